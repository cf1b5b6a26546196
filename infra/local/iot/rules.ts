import type { BrokerMessage } from './start.ts';
import type { LambdaRuntime } from '../lambda/runtime.ts';

/**
 * A local stand-in for the AWS IoT rules engine, for the rules this service deploys: each rule
 * selects the messages of a topic filter and invokes a Lambda function with them.
 *
 * - Only the SQL that `ruleSql` (shared/manifest.ts) writes is played:
 *   `SELECT *[, topic(n) AS name]… FROM '<topic filter>'`. Anything else (a WHERE clause, other
 *   functions, nested fields) is refused when the rules are loaded, so a rule that would behave
 *   differently in AWS never runs here silently.
 * - The Lambda action invokes asynchronously (an `Event` invocation): messages are handed over in
 *   order of arrival, and invocations overlap as they do in AWS. The function receives the
 *   message's JSON object plus the selected topic levels.
 * - A failed invocation is logged as the rule's error action would report it, in one line without
 *   the message's payload. Lambda's own retries of a failed asynchronous invocation (two more,
 *   minutes apart) are not reproduced.
 * - A message whose payload is not a JSON object cannot be combined with topic fields: it is
 *   skipped with a line in the log.
 */
export interface TopicRule {
  readonly functionName: string;
  readonly sql: string;
}

export interface ParsedRule {
  readonly topicFilter: string;
  /** Payload field name → topic level (1-based, as the rules engine's `topic(n)`). */
  readonly topicFields: Readonly<Record<string, number>>;
}

export class UnsupportedRuleError extends Error {
  override readonly name = 'UnsupportedRuleError';
}

const selectPattern = /^\s*SELECT\s+\*\s*((?:,\s*topic\s*\(\s*\d+\s*\)\s+AS\s+[A-Za-z_][A-Za-z0-9_]*\s*)*)FROM\s+'([^']+)'\s*$/i;
const fieldPattern = /topic\s*\(\s*(\d+)\s*\)\s+AS\s+([A-Za-z_][A-Za-z0-9_]*)/gi;

/** @throws UnsupportedRuleError for any SQL but `SELECT *[, topic(n) AS name]… FROM '<topic filter>'`. */
export function parseRuleSql(sql: string): ParsedRule {
  const match = selectPattern.exec(sql);
  if (!match) {
    throw new UnsupportedRuleError(`The local IoT rules engine plays only "SELECT *[, topic(n) AS name]… FROM '<topic filter>'", not: ${sql}`);
  }
  const topicFilter = match[2]!;
  assertTopicFilter(topicFilter, sql);
  const topicFields: Record<string, number> = {};
  for (const [, level, name] of match[1]!.matchAll(fieldPattern)) {
    const position = Number(level);
    if (position < 1) throw new UnsupportedRuleError(`topic(n) counts levels from 1, got topic(${level}) in: ${sql}`);
    if (Object.hasOwn(topicFields, name!)) throw new UnsupportedRuleError(`${name} is selected twice in: ${sql}`);
    topicFields[name!] = position;
  }
  return { topicFilter, topicFields };
}

function assertTopicFilter(filter: string, sql: string): void {
  const levels = filter.split('/');
  const valid = levels.every(
    (level, index) => (level === '#' ? index === levels.length - 1 : level === '+' || (!level.includes('+') && !level.includes('#'))),
  );
  if (!valid) throw new UnsupportedRuleError(`'${filter}' is not an MQTT topic filter, in: ${sql}`);
}

/** What the function receives: the message's object, then the selected topic levels (which win, as later projections do). */
export function ruleEvent(rule: ParsedRule, topic: string, payload: Buffer): Record<string, unknown> | undefined {
  let message: unknown;
  try {
    message = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return undefined;
  const levels = topic.split('/');
  const fields = Object.entries(rule.topicFields).flatMap(([name, level]) => {
    const value = levels[level - 1];
    // topic(n) past the last level is undefined in the rules engine, and undefined values are left out.
    return value === undefined ? [] : [[name, value] as const];
  });
  return { ...message, ...Object.fromEntries(fields) };
}

/** The broker as the rules engine sees it. */
export interface MessageSource {
  subscribe(topicFilter: string, listener: (message: BrokerMessage) => void): Promise<() => Promise<void>>;
}

export interface IotRulesOptions {
  readonly rules: readonly TopicRule[];
  readonly broker: MessageSource;
  readonly lambda: Pick<LambdaRuntime, 'invoke'>;
  /** Where the error action's lines go; defaults to stderr. */
  readonly log?: (line: string) => void;
}

export interface IotRules {
  /** Resolves once every invocation started so far has ended (tests, and stopping). */
  settled(): Promise<void>;
  /** Takes no more messages and waits for the invocations under way. */
  stop(): Promise<void>;
}

/** The rule's name in AWS: letters, digits and underscores only. */
export function ruleName(functionName: string): string {
  return `locker_service_${functionName.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** @throws UnsupportedRuleError before subscribing to anything when any rule's SQL is not supported. */
export async function startIotRules({ rules, broker, lambda, log = (line) => console.error(line) }: IotRulesOptions): Promise<IotRules> {
  const parsed = rules.map((rule) => ({ ...rule, name: ruleName(rule.functionName), ...parseRuleSql(rule.sql) }));
  const inFlight = new Set<Promise<void>>();
  let stopped = false;

  const unsubscribes = await Promise.all(
    parsed.map((rule) =>
      broker.subscribe(rule.topicFilter, ({ topic, payload }) => {
        if (stopped) return;
        const event = ruleEvent(rule, topic, payload);
        if (event === undefined) {
          log(`[iot-rules] ${rule.name}: skipped a message on ${topic}: its payload is not a JSON object`);
          return;
        }
        const invocation = lambda.invoke(rule.functionName, event).then(
          () => undefined,
          (error: unknown) => {
            // The shape of AWS's error action message, less `base64OriginalPayload`: a payload can carry anything.
            const failure = { failedAction: 'LambdaAction', failedResource: rule.functionName, errorMessage: error instanceof Error ? error.message : String(error) };
            log(`[iot-rules] error action: ${JSON.stringify({ ruleName: rule.name, topic, failures: [failure] })}`);
          },
        );
        inFlight.add(invocation);
        void invocation.finally(() => inFlight.delete(invocation));
      }),
    ),
  );

  const settled = async () => {
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  };
  return {
    settled,
    async stop() {
      stopped = true;
      await Promise.all(unsubscribes.map((unsubscribe) => unsubscribe()));
      await settled();
    },
  };
}
