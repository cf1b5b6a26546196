import { ConflictException, GetThingShadowCommand, PublishCommand, UpdateThingShadowCommand, type IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startIotLocal, type IotLocal } from '#infra/local/iot/start';
import { dataPlaneClient, decode, encode, Inbox } from './support.ts';

// Whether a change comes over HTTP or MQTT, MQTT subscribers see the messages AWS would publish.

let iot: IotLocal;
let client: IoTDataPlaneClient;
let inbox: Inbox;
let thingName: string;
let prefix: string;
let thingCount = 0;
const clock = 1_591_057_529;

beforeAll(async () => {
  iot = await startIotLocal({ httpPort: 0, mqttPort: 0, clock: () => new Date(clock * 1000) });
  client = dataPlaneClient(iot.dataPlaneEndpoint);
});

afterAll(async () => {
  client.destroy();
  await iot.stop();
});

beforeEach(async () => {
  thingCount += 1;
  thingName = `locker-${thingCount}`;
  prefix = `$aws/things/${thingName}/shadow/name/door-01`;
  const responses = ['update/accepted', 'update/rejected', 'update/delta', 'update/documents', 'get/accepted', 'get/rejected', 'delete/accepted', 'delete/rejected'];
  inbox = await Inbox.open(iot.mqttUrl, responses.map((response) => `${prefix}/${response}`));
});

afterEach(async () => {
  await inbox.close();
});

function updateOverHttp(document: unknown) {
  return client.send(new UpdateThingShadowCommand({ thingName, shadowName: 'door-01', payload: encode(document) }));
}

async function publish(topic: string, document: unknown): Promise<void> {
  await inbox.client.publishAsync(topic, JSON.stringify(document), { qos: 1 });
}

describe('an update over HTTP', () => {
  it('publishes the delta of desired against reported on update/delta', async () => {
    // Prepare
    await updateOverHttp({ state: { reported: { lock: 'LOCKED', door: 'CLOSED' } } });

    // Act
    await updateOverHttp({ state: { desired: { lock: 'UNLOCKED', commandId: 'cmd-1' } }, clientToken: 'service-1' });

    // Assess
    const delta = await inbox.waitFor((message) => message.topic === `${prefix}/update/delta`, 'a delta');
    expect(delta.payload).toEqual({
      state: { lock: 'UNLOCKED', commandId: 'cmd-1' },
      metadata: { lock: { timestamp: clock }, commandId: { timestamp: clock } },
      version: 2,
      timestamp: clock,
      clientToken: 'service-1',
    });
  });

  it('publishes the previous and current documents on update/documents', async () => {
    // Prepare
    await updateOverHttp({ state: { reported: { lock: 'LOCKED' } } });

    // Act
    await updateOverHttp({ state: { desired: { lock: 'UNLOCKED' } } });

    // Assess
    const documents = await inbox.waitFor((message) => message.topic === `${prefix}/update/documents` && message.payload.previous !== undefined);
    expect(documents.payload).toEqual({
      previous: { state: { reported: { lock: 'LOCKED' } }, metadata: { reported: { lock: { timestamp: clock } } }, version: 1 },
      current: {
        state: { desired: { lock: 'UNLOCKED' }, reported: { lock: 'LOCKED' } },
        metadata: { desired: { lock: { timestamp: clock } }, reported: { lock: { timestamp: clock } } },
        version: 2,
      },
      timestamp: clock,
    });
  });

  it('publishes the accepted document on update/accepted', async () => {
    // Act
    const output = await updateOverHttp({ state: { desired: { lock: 'UNLOCKED' } } });

    // Assess
    const accepted = await inbox.waitFor((message) => message.topic === `${prefix}/update/accepted`);
    expect(accepted.payload).toEqual(decode(output.payload));
  });
});

describe('an update over MQTT', () => {
  it('is answered on update/accepted with the client token', async () => {
    // Act
    await publish(`${prefix}/update`, { state: { reported: { lock: 'LOCKED', door: 'CLOSED' } }, clientToken: 'device-1' });

    // Assess
    const accepted = await inbox.waitFor((message) => message.topic === `${prefix}/update/accepted`);
    expect(accepted.payload).toEqual({
      state: { reported: { lock: 'LOCKED', door: 'CLOSED' } },
      metadata: { reported: { lock: { timestamp: clock }, door: { timestamp: clock } } },
      version: 1,
      timestamp: clock,
      clientToken: 'device-1',
    });
  });

  it('changes the shadow that GetThingShadow reads over HTTP', async () => {
    // Prepare
    await updateOverHttp({ state: { desired: { lock: 'UNLOCKED' } } });

    // Act
    await publish(`${prefix}/update`, { state: { reported: { lock: 'UNLOCKED' } } });
    await inbox.waitFor((message) => message.topic === `${prefix}/update/accepted` && message.payload.version === 2);

    // Assess
    const output = await client.send(new GetThingShadowCommand({ thingName, shadowName: 'door-01' }));
    expect(decode(output.payload).state).toEqual({ desired: { lock: 'UNLOCKED' }, reported: { lock: 'UNLOCKED' } });
  });

  it('publishes a delta that a later HTTP reader would see too', async () => {
    // Act
    await publish(`${prefix}/update`, { state: { desired: { lock: 'UNLOCKED' }, reported: { lock: 'LOCKED' } } });

    // Assess
    const delta = await inbox.waitFor((message) => message.topic === `${prefix}/update/delta`);
    expect(delta.payload.state).toEqual({ lock: 'UNLOCKED' });
  });

  it('is rejected on update/rejected with the error response document', async () => {
    // Prepare
    await publish(`${prefix}/update`, { state: { reported: { lock: 'LOCKED' } } });

    // Act
    await publish(`${prefix}/update`, { state: { reported: { lock: 'UNLOCKED' } }, version: 7, clientToken: 'device-2' });

    // Assess
    const rejected = await inbox.waitFor((message) => message.topic === `${prefix}/update/rejected`);
    expect(rejected.payload).toEqual({ code: 409, message: 'Version conflict', timestamp: clock, clientToken: 'device-2' });
  });
});

describe('get and delete over MQTT', () => {
  it('answers get on get/accepted with the full document and its delta', async () => {
    // Prepare
    await updateOverHttp({ state: { desired: { lock: 'UNLOCKED' }, reported: { lock: 'LOCKED' } } });

    // Act
    await publish(`${prefix}/get`, { clientToken: 'get-1' });

    // Assess
    const accepted = await inbox.waitFor((message) => message.topic === `${prefix}/get/accepted`);
    expect(accepted.payload).toMatchObject({ state: { delta: { lock: 'UNLOCKED' } }, version: 1, clientToken: 'get-1' });
  });

  it('answers get of a missing shadow on get/rejected with 404', async () => {
    // Act
    await inbox.client.publishAsync(`${prefix}/get`, '');

    // Assess
    const rejected = await inbox.waitFor((message) => message.topic === `${prefix}/get/rejected`);
    expect(rejected.payload).toEqual({ code: 404, message: `No shadow exists with name: '${thingName}~door-01'`, timestamp: clock });
  });

  it('answers delete on delete/accepted with the version and timestamp', async () => {
    // Prepare
    await updateOverHttp({ state: { reported: { lock: 'LOCKED' } } });

    // Act
    await inbox.client.publishAsync(`${prefix}/delete`, '');

    // Assess
    const accepted = await inbox.waitFor((message) => message.topic === `${prefix}/delete/accepted`);
    expect(accepted.payload).toEqual({ version: 1, timestamp: clock });
  });
});

describe('concurrent updates', () => {
  it('with the same expected version: one is accepted and the other rejected with 409', async () => {
    // Prepare
    await updateOverHttp({ state: { reported: { lock: 'LOCKED' } } });

    // Act
    const results = await Promise.allSettled([
      updateOverHttp({ state: { desired: { lock: 'UNLOCKED', commandId: 'a' } }, version: 1 }),
      updateOverHttp({ state: { desired: { lock: 'UNLOCKED', commandId: 'b' } }, version: 1 }),
    ]);

    // Assess
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((result) => result.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toBeInstanceOf(ConflictException);
  });
});

describe('Publish over HTTP', () => {
  it('reaches MQTT subscribers of the topic', async () => {
    // Prepare
    const listener = await Inbox.open(iot.mqttUrl, [`lockers/${thingName}/events`]);

    // Act
    await client.send(new PublishCommand({ topic: `lockers/${thingName}/events`, qos: 1, payload: encode({ hello: 'locker' }) }));

    // Assess
    const received = await listener.waitFor(() => true);
    await listener.close();
    expect(received.payload).toEqual({ hello: 'locker' });
  });

  it('to a shadow update topic updates the shadow as an MQTT publish would', async () => {
    // Act
    await client.send(new PublishCommand({ topic: `${prefix}/update`, payload: encode({ state: { reported: { lock: 'LOCKED' } } }) }));

    // Assess
    const accepted = await inbox.waitFor((message) => message.topic === `${prefix}/update/accepted`);
    expect(accepted.payload.state).toEqual({ reported: { lock: 'LOCKED' } });
  });
});

describe('the classic shadow', () => {
  it('answers on the topics without /name/', async () => {
    // Prepare
    const classic = `$aws/things/${thingName}/shadow`;
    const listener = await Inbox.open(iot.mqttUrl, [`${classic}/update/accepted`]);

    // Act
    await listener.client.publishAsync(`${classic}/update`, JSON.stringify({ state: { reported: { firmware: '1.0.0' } } }));

    // Assess
    const accepted = await listener.waitFor(() => true);
    await listener.close();
    expect(accepted.payload.state).toEqual({ reported: { firmware: '1.0.0' } });
  });
});
