import { UpdateThingShadowCommand, type IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRuleSql, ruleEvent, startIotRules, UnsupportedRuleError, type IotRules, type MessageSource } from '#infra/local/iot/rules';
import { startIotLocal, type BrokerMessage, type IotLocal } from '#infra/local/iot/start';
import { FunctionError } from '#infra/local/lambda/runtime';
import { iotFunctions, ruleSql } from '#shared/manifest';
import { dataPlaneClient, encode } from './support.ts';

// The rules engine stand-in: the SQL it plays, the events it sends, its invocations on a fake broker,
// then the manifest's rules on the IoT stand-in's broker.

/** A broker that delivers what the test publishes, to the filters subscribed exactly as given. */
function fakeBroker() {
  const listeners = new Map<string, (message: BrokerMessage) => void>();
  const subscribed: string[] = [];
  const source: MessageSource = {
    subscribe: async (topicFilter, listener) => {
      subscribed.push(topicFilter);
      listeners.set(topicFilter, listener);
      return async () => {
        listeners.delete(topicFilter);
      };
    },
  };
  const publish = (filter: string, topic: string, payload: unknown) =>
    listeners.get(filter)?.({ topic, payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)) });
  return { source, subscribed, publish };
}

const documentsSql = "SELECT *, topic(3) AS thingName, topic(6) AS shadowName FROM '$aws/things/+/shadow/name/+/update/documents'";
const documentsFilter = '$aws/things/+/shadow/name/+/update/documents';
const documentsTopic = '$aws/things/central:A/shadow/name/door-01/update/documents';

describe('parsing a rule', () => {
  it('reads the topic filter and the topic fields of the SQL ruleSql writes', () => {
    // Act
    const parsed = parseRuleSql(documentsSql);

    // Assess
    expect(parsed).toEqual({ topicFilter: documentsFilter, topicFields: { thingName: 3, shadowName: 6 } });
  });

  it('reads back every rule of the manifest as declared', () => {
    // Act
    const parsed = iotFunctions.map((fn) => parseRuleSql(ruleSql(fn.rule)));

    // Assess
    expect(parsed).toEqual(iotFunctions.map((fn) => ({ topicFilter: fn.rule.topicFilter, topicFields: fn.rule.topicFields })));
  });

  it('reads a rule without topic fields', () => {
    // Act
    const parsed = parseRuleSql("SELECT * FROM '$aws/events/presence/+/+'");

    // Assess
    expect(parsed).toEqual({ topicFilter: '$aws/events/presence/+/+', topicFields: {} });
  });

  it.each([
    ["SELECT * FROM 'a/b' WHERE state.reported.lock = 'LOCKED'", 'a WHERE clause'],
    ["SELECT state.reported FROM 'a/b'", 'selected fields'],
    ["SELECT *, clientid() AS client FROM 'a/b'", 'another function'],
    ['SELECT * FROM a/b', 'an unquoted topic'],
    ["SELECT *, topic(0) AS first FROM 'a/b'", 'topic level 0'],
    ["SELECT *, topic(1) AS x, topic(2) AS x FROM 'a/b'", 'a field selected twice'],
    ["SELECT * FROM 'a/#/b'", 'a # before the last level'],
    ["SELECT * FROM 'a/b+/c'", 'a + inside a level'],
  ])('refuses %s (%s)', (sql) => {
    // Act
    const parse = () => parseRuleSql(sql);

    // Assess
    expect(parse).toThrow(UnsupportedRuleError);
  });
});

describe('the event a rule sends', () => {
  it('is the message object with the selected topic levels added', () => {
    // Act
    const event = ruleEvent(parseRuleSql(documentsSql), documentsTopic, Buffer.from('{"current":{"version":3},"timestamp":1}'));

    // Assess
    expect(event).toEqual({ current: { version: 3 }, timestamp: 1, thingName: 'central:A', shadowName: 'door-01' });
  });

  it('leaves out a topic level the topic does not have', () => {
    // Act
    const event = ruleEvent(parseRuleSql("SELECT *, topic(3) AS third FROM 'a/#'"), 'a/b', Buffer.from('{"x":1}'));

    // Assess
    expect(event).toEqual({ x: 1 });
  });

  it.each([['not json'], ['[1,2]'], ['42'], ['']])('is nothing for the payload %j, which is not a JSON object', (payload) => {
    // Act
    const event = ruleEvent(parseRuleSql(documentsSql), documentsTopic, Buffer.from(payload));

    // Assess
    expect(event).toBeUndefined();
  });
});

describe('the rules engine', () => {
  it('invokes the rule’s function with each matching message as it arrives', async () => {
    // Prepare
    const broker = fakeBroker();
    const invocations: { functionName: string; event: unknown }[] = [];
    const rules = await startIotRules({
      rules: [{ functionName: 'reconcile-door', sql: documentsSql }],
      broker: broker.source,
      lambda: { invoke: async (functionName, event) => invocations.push({ functionName, event }) },
    });

    // Act
    broker.publish(documentsFilter, documentsTopic, { current: { version: 2 } });
    broker.publish(documentsFilter, documentsTopic.replace('door-01', 'door-02'), { current: { version: 5 } });
    await rules.settled();

    // Assess
    expect(invocations).toEqual([
      { functionName: 'reconcile-door', event: { current: { version: 2 }, thingName: 'central:A', shadowName: 'door-01' } },
      { functionName: 'reconcile-door', event: { current: { version: 5 }, thingName: 'central:A', shadowName: 'door-02' } },
    ]);
  });

  it('does not wait for one invocation to end before starting the next, as asynchronous invocations overlap', async () => {
    // Prepare
    const broker = fakeBroker();
    const started: unknown[] = [];
    let release = () => {};
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const rules = await startIotRules({
      rules: [{ functionName: 'track-presence', sql: "SELECT * FROM '$aws/events/presence/+/+'" }],
      broker: broker.source,
      lambda: {
        invoke: async (_name, event) => {
          started.push(event);
          await blocked;
        },
      },
    });

    // Act
    broker.publish('$aws/events/presence/+/+', '$aws/events/presence/connected/central:A', { eventType: 'connected' });
    broker.publish('$aws/events/presence/+/+', '$aws/events/presence/disconnected/central:A', { eventType: 'disconnected' });
    const startedBeforeRelease = [...started];
    release();
    await rules.settled();

    // Assess
    expect(startedBeforeRelease).toEqual([{ eventType: 'connected' }, { eventType: 'disconnected' }]);
  });

  it('logs a failed invocation in one line, as the error action would, without the payload', async () => {
    // Prepare
    const broker = fakeBroker();
    const lines: string[] = [];
    const rules = await startIotRules({
      rules: [{ functionName: 'reconcile-door', sql: documentsSql }],
      broker: broker.source,
      lambda: {
        invoke: async () => {
          throw new FunctionError('reconcile-door', 'Error', 'table not found');
        },
      },
      log: (line) => lines.push(line),
    });

    // Act
    broker.publish(documentsFilter, documentsTopic, { current: { state: { reported: { secret: 'do-not-log' } } } });
    await rules.settled();

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('do-not-log');
    expect(JSON.parse(lines[0]!.replace(/^\[iot-rules\] error action: /, ''))).toEqual({
      ruleName: 'locker_service_reconcile_door',
      topic: documentsTopic,
      failures: [{ failedAction: 'LambdaAction', failedResource: 'reconcile-door', errorMessage: 'reconcile-door: Error: table not found' }],
    });
  });

  it('skips, with a line in the log, a message that is not a JSON object', async () => {
    // Prepare
    const broker = fakeBroker();
    const lines: string[] = [];
    let invoked = 0;
    const rules = await startIotRules({
      rules: [{ functionName: 'reconcile-door', sql: documentsSql }],
      broker: broker.source,
      lambda: { invoke: async () => (invoked += 1) },
      log: (line) => lines.push(line),
    });

    // Act
    broker.publish(documentsFilter, documentsTopic, 'not json');
    await rules.settled();

    // Assess
    expect({ invoked, lines }).toEqual({ invoked: 0, lines: [`[iot-rules] locker_service_reconcile_door: skipped a message on ${documentsTopic}: its payload is not a JSON object`] });
  });

  it('refuses to start, subscribing to nothing, when one rule’s SQL is not supported', async () => {
    // Prepare
    const broker = fakeBroker();

    // Act
    const start = startIotRules({
      rules: [
        { functionName: 'reconcile-door', sql: documentsSql },
        { functionName: 'track-presence', sql: "SELECT * FROM '$aws/events/presence/+/+' WHERE eventType = 'connected'" },
      ],
      broker: broker.source,
      lambda: { invoke: async () => undefined },
    });

    // Assess
    await expect(start).rejects.toThrow(UnsupportedRuleError);
    expect(broker.subscribed).toEqual([]);
  });

  it('takes no more messages once stopped', async () => {
    // Prepare
    const broker = fakeBroker();
    let invoked = 0;
    const rules = await startIotRules({
      rules: [{ functionName: 'reconcile-door', sql: documentsSql }],
      broker: broker.source,
      lambda: { invoke: async () => (invoked += 1) },
    });

    // Act
    await rules.stop();
    broker.publish(documentsFilter, documentsTopic, { current: {} });

    // Assess
    expect(invoked).toBe(0);
  });
});


// The manifest's rules against the IoT stand-in's broker: what the reconciler and the presence
// tracker receive, whether the message came from the shadow service or the broker itself.

let iot: IotLocal;
let client: IoTDataPlaneClient;
let rules: IotRules;
const invocations: { functionName: string; event: Record<string, unknown> }[] = [];
const waiters = new Set<() => void>();

beforeAll(async () => {
  iot = await startIotLocal({ httpPort: 0, mqttPort: 0 });
  client = dataPlaneClient(iot.dataPlaneEndpoint);
  rules = await startIotRules({
    rules: iotFunctions.map((fn) => ({ functionName: fn.name, sql: ruleSql(fn.rule) })),
    broker: iot,
    lambda: {
      invoke: async (functionName, event) => {
        invocations.push({ functionName, event: event as Record<string, unknown> });
        for (const wake of waiters) wake();
      },
    },
  });
});

afterAll(async () => {
  await rules.stop();
  client.destroy();
  await iot.stop();
});

function invocation(matches: (entry: (typeof invocations)[number]) => boolean, description: string): Promise<(typeof invocations)[number]> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const found = invocations.find(matches);
      if (!found) return;
      done();
      resolve(found);
    };
    const guard = setTimeout(() => {
      done();
      reject(new Error(`No invocation: ${description}; got ${JSON.stringify(invocations.map((entry) => entry.functionName))}`));
    }, 10_000);
    const done = () => {
      clearTimeout(guard);
      waiters.delete(check);
    };
    waiters.add(check);
    check();
  });
}

describe('the rules of the manifest on the local broker', () => {
  it('invoke the door reconciler with a shadow’s update/documents message, the thing and the shadow name', async () => {
    // Act
    await client.send(
      new UpdateThingShadowCommand({
        thingName: 'central:rules-1',
        shadowName: 'door-07',
        payload: encode({ state: { reported: { lock: 'LOCKED', door: 'CLOSED' } } }),
      }),
    );

    // Assess
    const { event } = await invocation((entry) => entry.functionName === 'reconcile-door' && entry.event.thingName === 'central:rules-1', 'reconcile-door');
    expect(event).toMatchObject({
      thingName: 'central:rules-1',
      shadowName: 'door-07',
      current: { state: { reported: { lock: 'LOCKED', door: 'CLOSED' } }, version: 1 },
    });
  });

  it('invoke the presence tracker with the lifecycle events of a connection', async () => {
    // Prepare
    const locker = await connectAsync(iot.mqttUrl, { clientId: 'central:rules-2', reconnectPeriod: 0 });

    // Act
    await locker.endAsync();

    // Assess
    const connected = await invocation((entry) => entry.functionName === 'track-presence' && entry.event.clientId === 'central:rules-2' && entry.event.eventType === 'connected', 'connected');
    const disconnected = await invocation((entry) => entry.functionName === 'track-presence' && entry.event.clientId === 'central:rules-2' && entry.event.eventType === 'disconnected', 'disconnected');
    expect(invocations.indexOf(connected)).toBeLessThan(invocations.indexOf(disconnected));
    expect(disconnected.event).toMatchObject({ disconnectReason: 'CLIENT_INITIATED_DISCONNECT', versionNumber: connected.event.versionNumber });
  });

  it('do not invoke the reconciler for the other shadow topics', async () => {
    // Act: an update publishes accepted, delta and documents; only documents is the rule's.
    await client.send(
      new UpdateThingShadowCommand({ thingName: 'central:rules-3', shadowName: 'door-01', payload: encode({ state: { desired: { lock: 'UNLOCKED' } } }) }),
    );
    await invocation((entry) => entry.event.thingName === 'central:rules-3', 'reconcile-door');
    await rules.settled();

    // Assess
    expect(invocations.filter((entry) => entry.event.thingName === 'central:rules-3')).toHaveLength(1);
  });
});
