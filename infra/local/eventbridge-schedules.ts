import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { localAccountId, localRegion, type LambdaRuntime } from './lambda/runtime.ts';

/**
 * A local stand-in for EventBridge scheduled rules: each rule invokes its function with the event
 * EventBridge sends. Locally a rule fires at most every `maxIntervalMs` (a minute by default, where
 * AWS waits five), so a developer sees the sweep without waiting, and `runAll()` fires every rule now.
 * A run still going when the next is due is skipped, as the deployed sweep's short event age drops it.
 */
export interface ScheduleRule {
  readonly functionName: string;
  readonly rateMs: number;
}

export interface EventBridgeSchedules {
  /** Runs every scheduled function once, now, and merges what they returned. */
  runAll(): Promise<Record<string, unknown>>;
  stop(): void;
}

export function scheduledEvent(functionName: string, at = new Date()): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: localAccountId,
    time: at.toISOString(),
    region: localRegion,
    resources: [`arn:aws:events:${localRegion}:${localAccountId}:rule/locker-service-${functionName}`],
    detail: {},
  };
}

export function startSchedules(
  lambda: Pick<LambdaRuntime, 'invoke' | 'now'>,
  rules: readonly ScheduleRule[],
  options: { readonly maxIntervalMs?: number } = {},
): EventBridgeSchedules {
  // Counted, not flagged: a timer run and a `runAll` may overlap, and the timer must wait for both.
  const running = new Map<string, number>();
  const fire = async (rule: ScheduleRule): Promise<unknown> => {
    running.set(rule.functionName, (running.get(rule.functionName) ?? 0) + 1);
    try {
      return await lambda.invoke(rule.functionName, scheduledEvent(rule.functionName, lambda.now()));
    } finally {
      running.set(rule.functionName, (running.get(rule.functionName) ?? 1) - 1);
    }
  };
  const timers = rules.map((rule) => {
    const timer = setInterval(() => {
      if ((running.get(rule.functionName) ?? 0) > 0) return;
      fire(rule).catch((error: unknown) => console.error(`[eventbridge] scheduled ${rule.functionName} failed`, error));
    }, Math.min(rule.rateMs, options.maxIntervalMs ?? 60_000));
    timer.unref();
    return timer;
  });
  return {
    runAll: async () => {
      const results = await Promise.all(rules.map(fire));
      return Object.assign({}, ...results.filter((result) => typeof result === 'object' && result !== null));
    },
    stop: () => timers.forEach((timer) => clearInterval(timer)),
  };
}
