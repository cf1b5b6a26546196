import { UpdateThingShadowCommand, type IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIotRules, type IotRules } from '#infra/local/iot-rules';
import { startIotLocal, type IotLocal } from '#infra/local/iot/start';
import { iotFunctions, ruleSql } from '#shared/manifest';
import { dataPlaneClient, encode } from './support.ts';

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
