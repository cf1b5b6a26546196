import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { presenceTopic, presenceTopicFilter } from '#infra/local/iot/lifecycle-events';
import { startIotLocal, type IotLocal } from '#infra/local/iot/start';
import { Inbox, type Received } from './support.ts';

// AWS IoT lifecycle events, as the presence rule and any subscriber see them.

let iot: IotLocal;
let events: Inbox;
let clientId: string;
let clientCount = 0;
let nowMs = Date.parse('2026-03-01T10:00:00.000Z');
const clients: MqttClient[] = [];

beforeAll(async () => {
  iot = await startIotLocal({ httpPort: 0, mqttPort: 0, clock: () => new Date(nowMs) });
});

afterAll(async () => {
  await iot.stop();
});

beforeEach(async () => {
  clientCount += 1;
  clientId = `central:presence-${clientCount}`;
  events = await Inbox.open(iot.mqttUrl, [presenceTopicFilter]);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
  await events.close();
});

async function connect(id = clientId, options: { keepalive?: number } = {}): Promise<MqttClient> {
  const client = await connectAsync(iot.mqttUrl, { clientId: id, clean: true, reconnectPeriod: 0, ...options });
  clients.push(client);
  return client;
}

/** Drops the TCP connection without an MQTT DISCONNECT, as a locker losing its network does. */
async function loseConnection(client: MqttClient): Promise<void> {
  client.stream.destroy();
  await client.endAsync(true);
}

function nth(eventType: 'connected' | 'disconnected', count: number, id = clientId): Promise<Received> {
  return events.waitFor(
    (message) => message.topic === presenceTopic(eventType, id) && events.messages.filter((other) => other.topic === message.topic).indexOf(message) === count - 1,
    `${eventType} event #${count} of ${id}`,
  );
}

describe('lifecycle events', () => {
  it("publishes AWS's connected event when a client connects", async () => {
    // Act
    await connect();

    // Assess
    const connected = await nth('connected', 1);
    expect(connected.payload).toEqual({
      clientId,
      timestamp: nowMs,
      eventType: 'connected',
      sessionIdentifier: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      principalIdentifier: expect.stringMatching(/^[0-9a-f]{64}$/),
      ipAddress: '127.0.0.1',
      versionNumber: 0,
    });
  });

  it('publishes a client-initiated disconnect, with the session and version of its connection, after an MQTT DISCONNECT', async () => {
    // Prepare
    const client = await connect();
    const connected = await nth('connected', 1);

    // Act
    await client.endAsync();

    // Assess
    const disconnected = await nth('disconnected', 1);
    expect(disconnected.payload).toEqual({
      clientId,
      timestamp: nowMs,
      eventType: 'disconnected',
      sessionIdentifier: connected.payload.sessionIdentifier,
      principalIdentifier: connected.payload.principalIdentifier,
      clientInitiatedDisconnect: true,
      disconnectReason: 'CLIENT_INITIATED_DISCONNECT',
      versionNumber: connected.payload.versionNumber,
    });
  });

  it('publishes a lost connection when the connection ends without a DISCONNECT', async () => {
    // Prepare
    const client = await connect();
    await nth('connected', 1);

    // Act
    await loseConnection(client);

    // Assess
    const disconnected = await nth('disconnected', 1);
    expect(disconnected.payload).toMatchObject({ clientInitiatedDisconnect: false, disconnectReason: 'CONNECTION_LOST' });
  });

  it('gives each new connection of a client id a higher version number and a new session', async () => {
    // Prepare
    await loseConnection(await connect());
    const first = await nth('connected', 1);
    await nth('disconnected', 1);

    // Act
    await connect();

    // Assess
    const second = await nth('connected', 2);
    expect(Number(second.payload.versionNumber)).toBeGreaterThan(Number(first.payload.versionNumber));
    expect(second.payload.sessionIdentifier).not.toBe(first.payload.sessionIdentifier);
  });

  it('keeps counting versions per client id, independently of other clients', async () => {
    // Prepare
    await (await connect()).endAsync();
    await nth('disconnected', 1);
    const otherId = `${clientId}-other`;

    // Act
    await connect(otherId);

    // Assess
    const other = await nth('connected', 1, otherId);
    expect(other.payload.versionNumber).toBe(0);
  });

  it('starts the version number again at 0 after a client id stayed away for an hour', async () => {
    // Prepare
    await (await connect()).endAsync();
    await nth('disconnected', 1);
    nowMs += 3_600_000;

    // Act
    await connect();

    // Assess
    const again = await nth('connected', 2);
    expect(again.payload).toMatchObject({ versionNumber: 0, timestamp: nowMs });
  });

  it('disconnects the older connection as a duplicate client id when another connection takes the id over', async () => {
    // Prepare
    await connect();
    const first = await nth('connected', 1);

    // Act
    await connect();

    // Assess
    const [taken, second] = await Promise.all([nth('disconnected', 1), nth('connected', 2)]);
    expect(taken.payload).toMatchObject({
      sessionIdentifier: first.payload.sessionIdentifier,
      versionNumber: first.payload.versionNumber,
      clientInitiatedDisconnect: false,
      disconnectReason: 'DUPLICATE_CLIENTID',
    });
    expect(Number(second.payload.versionNumber)).toBeGreaterThan(Number(first.payload.versionNumber));
  });

  it('publishes the connect and disconnect of one connection in that order', async () => {
    // Act
    await (await connect()).endAsync();

    // Assess
    await nth('disconnected', 1);
    const mine = events.messages.filter((message) => message.payload.clientId === clientId).map((message) => message.payload.eventType);
    expect(mine).toEqual(['connected', 'disconnected']);
  });

  it('publishes nothing for a client id holding a wildcard character, as AWS', async () => {
    // Prepare
    const wildcardId = `${clientId}+wild`;

    // Act: events go out in order, so once the second client's event is in, the first's would be too.
    await connect(wildcardId);
    await connect();
    await nth('connected', 1);

    // Assess
    expect(events.messages.filter((message) => message.payload.clientId === wildcardId)).toEqual([]);
  });
});
