import { GetThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack';
import { dataPlaneClient, decode } from './iot/support.ts';

// The IoT side of `npm start`: the stand-in's endpoints, one simulated locker per locker added
// through the API, the rules invoking the service's functions, and the `/_local/lockers` routes.

let stack: LocalStack;
let admin: string;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, doorCommandTimeoutSeconds: 20, doorLeftOpenSeconds: 45 });
  admin = await stack.issueToken({ sub: 'admin-1', role: 'admin' });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Asks again until the answer satisfies the check (the fleet and the rules act on their own). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, description: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`Not reached: ${description}; last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the local stack’s IoT stand-in', () => {
  it('gives the functions its IoT Data Plane endpoint and the door timings it was started with', () => {
    // Assess
    expect({
      IOT_DATA_ENDPOINT: process.env.IOT_DATA_ENDPOINT,
      DOOR_COMMAND_TIMEOUT_SECONDS: process.env.DOOR_COMMAND_TIMEOUT_SECONDS,
      DOOR_LEFT_OPEN_SECONDS: process.env.DOOR_LEFT_OPEN_SECONDS,
    }).toEqual({ IOT_DATA_ENDPOINT: stack.iotDataEndpoint, DOOR_COMMAND_TIMEOUT_SECONDS: '20', DOOR_LEFT_OPEN_SECONDS: '45' });
    expect(stack.mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
  });

  it('runs a simulated locker for a locker added through the API, whose doors report through the stand-in', async () => {
    // Prepare
    await call('POST', '/locations', { locationId: 'north', name: 'North', address: '1 North St' });

    // Act
    const added = await call('POST', '/locations/north/lockers', { lockerId: 'A', slots: { S: 2 } });

    // Assess
    const simulator = await eventually(async () => stack.lockers.get('north', 'A'), (found) => found !== undefined, 'a simulated locker');
    const slotIds = (added.body.slots as { slotId: string }[]).map((slot) => slot.slotId);
    expect(simulator?.slotIds).toEqual(slotIds);
    const client = dataPlaneClient(stack.iotDataEndpoint);
    const shadow = await eventually(
      () => client.send(new GetThingShadowCommand({ thingName: 'north:A', shadowName: `door-${slotIds[0]}` })).catch(() => undefined),
      (output) => output !== undefined,
      'the first door’s shadow',
    );
    client.destroy();
    expect(decode(shadow?.payload).state).toEqual({ reported: { lock: 'LOCKED', door: 'CLOSED' } });
  });

  it('marks a locker online through its lifecycle event and the presence rule, and offline when its connection is cut', async () => {
    // Prepare
    await call('POST', '/locations', { locationId: 'south', name: 'South', address: '1 South St' });
    await call('POST', '/locations/south/lockers', { lockerId: 'B', slots: { M: 1 } });
    const online = () => call('GET', '/locations/south').then((reply) => (reply.body.lockers as { online: boolean }[] | undefined)?.[0]?.online);
    await eventually(online, (value) => value === true, 'the locker online');

    // Act
    const cut = await call('POST', '/_local/lockers/south/B', { online: false });

    // Assess
    expect(cut).toMatchObject({ status: 200, body: { thingName: 'south:B', online: false } });
    await eventually(online, (value) => value === false, 'the locker offline');
  });
});
