import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFromManifest, startGateway, type LocalGateway } from '#infra/local/api-gateway';
import { presenceTopic } from '#infra/local/iot/lifecycle-events';
import { startIotLocal, type IotLocal } from '#infra/local/iot/start';
import { localRoutes } from '#infra/local/local-routes';
import { Inbox } from './iot/support.ts';

// The `/_local/lockers` routes through the local gateway, against real simulated lockers.

let iot: IotLocal;
let gateway: LocalGateway;
let lockerCount = 0;

beforeAll(async () => {
  iot = await startIotLocal({
    httpPort: 0,
    mqttPort: 0,
    lockers: Array.from({ length: 10 }, (_, index) => ({ thingName: `central:R${index + 1}`, slotIds: ['01', '02'] })),
    // Long enough that a door opened by a test is still open when the test reads it.
    doorCloseAfterMs: 60_000,
  });
  gateway = await startGateway({
    port: 0,
    api: apiFromManifest(),
    lambda: { invoke: () => Promise.reject(new Error('no function runs in these tests')) },
    localRoutes: localRoutes({
      advanceClock: () => new Date(),
      runSchedules: async () => ({}),
      lockers: { get: (locationId, lockerId) => iot.lockers.find((locker) => locker.thingName === `${locationId}:${lockerId}`) },
    }),
  });
});

afterAll(async () => {
  await gateway.close();
  await iot.stop();
});

/** A locker that requests only read or are refused. */
const untouched = 'R10';

/** A locker no other test touches. */
function nextLocker(): string {
  lockerCount += 1;
  return `R${lockerCount}`;
}

async function post(path: string, body: unknown) {
  const response = await fetch(`${gateway.url}${path}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('POST /_local/lockers/{locationId}/{lockerId}/doors/{slotId}', () => {
  it('jams a door and answers with its simulated state', async () => {
    // Prepare
    const lockerId = nextLocker();

    // Act
    const reply = await post(`/_local/lockers/central/${lockerId}/doors/01`, { fault: 'JAMMED' });

    // Assess
    expect(reply).toEqual({
      status: 200,
      body: {
        locationId: 'central',
        lockerId,
        thingName: `central:${lockerId}`,
        online: true,
        slotId: '01',
        reported: { lock: 'LOCKED', door: 'CLOSED', lastCommandId: null, fault: null },
        simulatedFault: 'JAMMED',
      },
    });
  });

  it('repairs a door with a null fault', async () => {
    // Prepare
    const lockerId = nextLocker();
    await post(`/_local/lockers/central/${lockerId}/doors/02`, { fault: 'LEFT_OPEN' });

    // Act
    const reply = await post(`/_local/lockers/central/${lockerId}/doors/02`, { fault: null });

    // Assess
    expect(reply.body.simulatedFault).toBeNull();
  });

  it('forces a door open, still locked', async () => {
    // Prepare
    const lockerId = nextLocker();

    // Act
    const reply = await post(`/_local/lockers/central/${lockerId}/doors/01`, { action: 'FORCE_OPEN' });

    // Assess
    expect({ status: reply.status, reported: reply.body.reported }).toEqual({
      status: 200,
      reported: { lock: 'LOCKED', door: 'OPEN', lastCommandId: null, fault: null },
    });
  });

  it('closes a door that stands open', async () => {
    // Prepare
    const lockerId = nextLocker();
    await post(`/_local/lockers/central/${lockerId}/doors/01`, { fault: 'LEFT_OPEN' });
    await post(`/_local/lockers/central/${lockerId}/doors/01`, { action: 'FORCE_OPEN' });

    // Act
    const reply = await post(`/_local/lockers/central/${lockerId}/doors/01`, { action: 'CLOSE' });

    // Assess
    expect(reply.body.reported).toEqual({ lock: 'LOCKED', door: 'CLOSED', lastCommandId: null, fault: null });
  });

  it('answers 404 LOCKER_NOT_FOUND for a locker that has no simulated locker', async () => {
    // Act
    const reply = await post('/_local/lockers/central/nowhere/doors/01', { fault: null });

    // Assess
    expect(reply).toEqual({
      status: 404,
      body: { error: { code: 'LOCKER_NOT_FOUND', message: 'No simulated locker central/nowhere (lockers added through the API start within 2 s)' } },
    });
  });

  it('answers 404 SLOT_NOT_FOUND for a door the locker does not have', async () => {
    // Act
    const reply = await post(`/_local/lockers/central/${nextLocker()}/doors/99`, { fault: null });

    // Assess
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({ error: { code: 'SLOT_NOT_FOUND' } });
  });

  it.each<[unknown, string]>([
    [{ fault: 'BROKEN' }, 'an unknown fault'],
    [{ action: 'OPEN' }, 'an unknown action'],
    [{ fault: null, action: 'CLOSE' }, 'both a fault and an action'],
    [{}, 'neither'],
    [{ fault: 'JAMMED', extra: true }, 'an unknown field'],
    ['{not json', 'no JSON'],
  ])('answers 400 VALIDATION_ERROR for %j (%s)', async (body) => {
    // Act
    const reply = await post(`/_local/lockers/central/${untouched}/doors/01`, body);

    // Assess
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ error: { code: 'VALIDATION_ERROR', details: expect.any(Array) } });
  });
});

describe('POST /_local/lockers/{locationId}/{lockerId}', () => {
  it('cuts a locker’s connection, which the broker sees as lost, and answers with the locker', async () => {
    // Prepare
    const lockerId = nextLocker();
    const presence = await Inbox.open(iot.mqttUrl, [presenceTopic('disconnected', `central:${lockerId}`)]);

    // Act
    const reply = await post(`/_local/lockers/central/${lockerId}`, { online: false });

    // Assess
    const lost = await presence.waitFor(() => true, 'the disconnected event');
    await presence.close();
    expect(reply).toEqual({
      status: 200,
      body: {
        locationId: 'central',
        lockerId,
        thingName: `central:${lockerId}`,
        online: false,
        doors: [
          { slotId: '01', reported: { lock: 'LOCKED', door: 'CLOSED', lastCommandId: null, fault: null }, simulatedFault: null },
          { slotId: '02', reported: { lock: 'LOCKED', door: 'CLOSED', lastCommandId: null, fault: null }, simulatedFault: null },
        ],
      },
    });
    expect(lost.payload.disconnectReason).toBe('CONNECTION_LOST');
  });

  it('brings a locker back online', async () => {
    // Prepare
    const lockerId = nextLocker();
    await post(`/_local/lockers/central/${lockerId}`, { online: false });

    // Act
    const reply = await post(`/_local/lockers/central/${lockerId}`, { online: true });

    // Assess
    expect({ status: reply.status, online: reply.body.online }).toEqual({ status: 200, online: true });
  });

  it('answers 400 VALIDATION_ERROR without a boolean "online"', async () => {
    // Act
    const reply = await post(`/_local/lockers/central/${untouched}`, { online: 'no' });

    // Assess
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ error: { code: 'VALIDATION_ERROR', details: [{ path: 'online' }] } });
  });

  it('answers 404 LOCKER_NOT_FOUND for a locker that has no simulated locker', async () => {
    // Act
    const reply = await post('/_local/lockers/central/nowhere', { online: true });

    // Assess
    expect(reply.body).toMatchObject({ error: { code: 'LOCKER_NOT_FOUND' } });
  });

  it('answers 404 NOT_FOUND for another method', async () => {
    // Act
    const response = await fetch(`${gateway.url}/_local/lockers/central/${untouched}`);

    // Assess
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: expect.stringContaining('No route for GET /_local/lockers/central/') } },
    });
  });
});
