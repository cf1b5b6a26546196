import { GetThingShadowCommand, UpdateThingShadowCommand, type IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { presenceTopic } from '#infra/local/iot/lifecycle-events';
import { SimulatedLocker, type SimulatedLockerOptions } from '#infra/local/iot/simulated-locker';
import { startIotLocal, type IotLocal } from '#infra/local/iot/start';
import type { JsonObject } from '#infra/local/iot/shadow-service';
import { dataPlaneClient, decode, encode, Inbox, type Received } from './support.ts';

// The service's side of a door: it writes desired over the IoT Data Plane API and reads what the
// locker reports, as the door reconciler does in AWS (from update/documents).

let iot: IotLocal;
let client: IoTDataPlaneClient;
let thingName: string;
let thingCount = 0;
let documents: Inbox;
const lockers: SimulatedLocker[] = [];

beforeAll(async () => {
  iot = await startIotLocal({ httpPort: 0, mqttPort: 0 });
  client = dataPlaneClient(iot.dataPlaneEndpoint);
});

afterAll(async () => {
  client.destroy();
  await iot.stop();
});

beforeEach(async () => {
  thingCount += 1;
  thingName = `central:sim-${thingCount}`;
  documents = await Inbox.open(iot.mqttUrl, [
    `$aws/things/${thingName}/shadow/name/+/update/documents`,
    presenceTopic('connected', thingName),
    presenceTopic('disconnected', thingName),
  ]);
});

afterEach(async () => {
  await Promise.all(lockers.splice(0).map((locker) => locker.stop()));
  await documents.close();
});

async function startLocker(options: Partial<SimulatedLockerOptions> = {}): Promise<SimulatedLocker> {
  const locker = await SimulatedLocker.start({ mqttUrl: iot.mqttUrl, thingName, slotIds: ['01', '02'], openAfterMs: 5, closeAfterMs: 20, ...options });
  lockers.push(locker);
  return locker;
}

function doorTopic(slotId: string): string {
  return `$aws/things/${thingName}/shadow/name/door-${slotId}/update/documents`;
}

function reported(message: Received): JsonObject {
  const current = message.payload.current as JsonObject;
  return ((current.state as JsonObject).reported ?? {}) as JsonObject;
}

function reportedOn(slotId: string, matches: (state: JsonObject) => boolean, description: string): Promise<Received> {
  return documents.waitFor((message) => message.topic === doorTopic(slotId) && matches(reported(message)), description);
}

function inAMinute(from = Date.now()): number {
  return Math.floor(from / 1000) + 60;
}

async function command(slotId: string, desired: JsonObject): Promise<void> {
  await client.send(new UpdateThingShadowCommand({ thingName, shadowName: `door-${slotId}`, payload: encode({ state: { desired } }) }));
}

function unlock(slotId: string, commandId: string, expiresAt = inAMinute()): Promise<void> {
  return command(slotId, { lock: 'UNLOCKED', commandId, reason: 'PICKUP', expiresAt });
}

/** Each accepted report of a door that carried a command id, as lock/door. */
function reportedSequence(slotId: string): string[] {
  return documents.messages
    .filter((message) => message.topic === doorTopic(slotId))
    .map(reported)
    .filter((state) => state.lastCommandId !== undefined)
    .map((state) => `${String(state.lock)}/${String(state.door)}`);
}

function everyCommandIdReported(slotId: string): unknown[] {
  return documents.messages.filter((message) => message.topic === doorTopic(slotId)).map((message) => reported(message).lastCommandId);
}

/** The first report of a door, after an earlier one, that matches. */
function reportedAfter(slotId: string, earlier: Received, matches: (state: JsonObject) => boolean, description: string): Promise<Received> {
  return documents.waitFor(
    (message) => message.topic === doorTopic(slotId) && documents.messages.indexOf(message) > documents.messages.indexOf(earlier) && matches(reported(message)),
    description,
  );
}

describe('a simulated locker', () => {
  it('reports every door locked and closed when it starts', async () => {
    // Act
    await startLocker();
    await reportedOn('02', (state) => state.lock === 'LOCKED', 'the report of door 02');

    // Assess
    const output = await client.send(new GetThingShadowCommand({ thingName, shadowName: 'door-02' }));
    expect(decode(output.payload).state).toEqual({ reported: { lock: 'LOCKED', door: 'CLOSED' } });
  });

  it('unlocks, opens, closes and locks again on an unlock command, reporting each step with the command id', async () => {
    // Prepare
    await startLocker();
    await reportedOn('01', (state) => state.lock === 'LOCKED', 'the initial report');

    // Act
    await unlock('01', 'cmd-1');

    // Assess
    await reportedOn('01', (state) => state.lastCommandId === 'cmd-1' && state.lock === 'LOCKED', 'the door locked again');
    expect(reportedSequence('01')).toEqual(['UNLOCKED/CLOSED', 'UNLOCKED/OPEN', 'UNLOCKED/CLOSED', 'LOCKED/CLOSED']);
    const output = await client.send(new GetThingShadowCommand({ thingName, shadowName: 'door-01' }));
    expect(decode(output.payload).state).toMatchObject({ reported: { lock: 'LOCKED', door: 'CLOSED', lastCommandId: 'cmd-1' } });
  });

  it('leaves the other doors alone', async () => {
    // Prepare
    const locker = await startLocker();
    await reportedOn('02', (state) => state.lock === 'LOCKED', 'the initial report');

    // Act
    await unlock('01', 'cmd-2');
    await reportedOn('01', (state) => state.lastCommandId === 'cmd-2' && state.lock === 'LOCKED', 'door 01 locked again');

    // Assess
    expect(locker.doorState('02')).toEqual({ lock: 'LOCKED', door: 'CLOSED', lastCommandId: null, fault: null });
  });

  it('does not run a command again when it reappears in a later delta', async () => {
    // Prepare
    await startLocker();
    await unlock('01', 'cmd-3');
    await reportedOn('01', (state) => state.lastCommandId === 'cmd-3' && state.lock === 'LOCKED', 'the first cycle');

    // Act: desired still holds cmd-3, so any update publishes that delta again.
    await command('01', { note: 'touched' });
    await unlock('01', 'cmd-4');
    await reportedOn('01', (state) => state.lastCommandId === 'cmd-4' && state.lock === 'LOCKED', 'the second cycle');

    // Assess
    expect(reportedSequence('01').filter((step) => step === 'UNLOCKED/OPEN')).toHaveLength(2);
  });

  it('refuses a command whose deadline has passed by its own clock', async () => {
    // Prepare: the service's clock (and so the locker's) was moved ten minutes ahead.
    const aheadMs = 10 * 60_000;
    const locker = await startLocker({ now: () => new Date(Date.now() + aheadMs) });
    await reportedOn('01', (state) => state.lock === 'LOCKED', 'the initial report');

    // Act: a deadline a minute away by the wall clock is long gone by the locker's.
    await unlock('01', 'cmd-expired', inAMinute());
    await unlock('01', 'cmd-current', inAMinute(Date.now() + aheadMs));
    await reportedOn('01', (state) => state.lastCommandId === 'cmd-current' && state.lock === 'LOCKED', 'the current command done');

    // Assess
    expect(everyCommandIdReported('01')).not.toContain('cmd-expired');
    expect(locker.doorState('01').lastCommandId).toBe('cmd-current');
  });

  it('refuses a command that gives no reason, as the door contract requires', async () => {
    // Prepare
    await startLocker();
    await reportedOn('01', (state) => state.lock === 'LOCKED', 'the initial report');

    // Act
    await command('01', { lock: 'UNLOCKED', commandId: 'cmd-no-reason', expiresAt: inAMinute() });
    await unlock('01', 'cmd-with-reason');
    await reportedOn('01', (state) => state.lastCommandId === 'cmd-with-reason' && state.lock === 'LOCKED', 'the valid command done');

    // Assess
    expect(everyCommandIdReported('01')).not.toContain('cmd-no-reason');
  });

  it('carries out a command sent while it was offline once it comes back', async () => {
    // Prepare
    const locker = await startLocker();
    await reportedOn('01', (state) => state.lock === 'LOCKED', 'the initial report');
    await locker.goOffline();
    await unlock('01', 'cmd-while-offline');

    // Act
    await locker.comeBack();

    // Assess
    await reportedOn('01', (state) => state.lastCommandId === 'cmd-while-offline' && state.lock === 'LOCKED', 'the command done');
    expect(reportedSequence('01')).toContain('UNLOCKED/OPEN');
    expect(locker.online).toBe(true);
  });
});

describe('presence', () => {
  it('is announced by the broker as a lifecycle event when it connects', async () => {
    // Act
    await startLocker();

    // Assess
    const connected = await documents.waitFor((message) => message.topic === presenceTopic('connected', thingName), 'the connected event');
    expect(connected.payload).toMatchObject({ clientId: thingName, eventType: 'connected' });
  });

  it('shows as a lost connection when it goes offline, and as a newer connection when it comes back', async () => {
    // Prepare
    const locker = await startLocker();
    const first = await documents.waitFor((message) => message.topic === presenceTopic('connected', thingName), 'the first connection');

    // Act
    await locker.goOffline();
    const lost = await documents.waitFor((message) => message.topic === presenceTopic('disconnected', thingName), 'the disconnection');
    await locker.comeBack();

    // Assess
    const again = await documents.waitFor(
      (message) => message.topic === presenceTopic('connected', thingName) && message.payload.versionNumber !== first.payload.versionNumber,
      'the second connection',
    );
    expect(lost.payload).toMatchObject({ disconnectReason: 'CONNECTION_LOST', clientInitiatedDisconnect: false, versionNumber: first.payload.versionNumber });
    expect(Number(again.payload.versionNumber)).toBeGreaterThan(Number(first.payload.versionNumber));
  });

  it('disconnects cleanly when stopped', async () => {
    // Prepare
    const locker = await startLocker();

    // Act
    await locker.stop();

    // Assess
    const gone = await documents.waitFor((message) => message.topic === presenceTopic('disconnected', thingName), 'the disconnection');
    expect(gone.payload).toMatchObject({ disconnectReason: 'CLIENT_INITIATED_DISCONNECT', clientInitiatedDisconnect: true });
  });
});

describe('fault modes', () => {
  it('a jammed door never unlocks and reports a JAMMED fault under the command it refused', async () => {
    // Prepare
    const locker = await startLocker();
    locker.setFault('01', 'JAMMED');

    // Act
    await unlock('01', 'cmd-jam');

    // Assess
    const report = await reportedOn('01', (state) => state.fault !== undefined, 'a fault');
    expect(reported(report)).toEqual({ lock: 'LOCKED', door: 'CLOSED', lastCommandId: 'cmd-jam', fault: 'JAMMED' });
    expect(reportedSequence('01')).toEqual(['LOCKED/CLOSED']);
  });

  it('a jammed door that is repaired opens on its next command and clears the fault', async () => {
    // Prepare
    const locker = await startLocker();
    locker.setFault('01', 'JAMMED');
    await unlock('01', 'cmd-jam');
    await reportedOn('01', (state) => state.fault === 'JAMMED', 'the jam');

    // Act
    locker.setFault('01', null);
    await unlock('01', 'cmd-after-repair');

    // Assess
    const unlocked = await reportedOn('01', (state) => state.lastCommandId === 'cmd-after-repair' && state.lock === 'UNLOCKED', 'the door unlocked');
    expect(reported(unlocked)).toEqual({ lock: 'UNLOCKED', door: 'CLOSED', lastCommandId: 'cmd-after-repair' });
  });

  it('a door left open stays open, without a fault of its own, while a working door goes through its whole cycle', async () => {
    // Prepare
    const locker = await startLocker();
    locker.setFault('01', 'LEFT_OPEN');

    // Act
    await unlock('01', 'cmd-open');
    await reportedOn('01', (state) => state.door === 'OPEN', 'door 01 open');
    await unlock('02', 'cmd-other');
    await reportedOn('02', (state) => state.lastCommandId === 'cmd-other' && state.lock === 'LOCKED', 'door 02 through its cycle');

    // Assess
    expect(locker.doorState('01')).toEqual({ lock: 'UNLOCKED', door: 'OPEN', lastCommandId: 'cmd-open', fault: null });
    expect(reportedSequence('01')).toEqual(['UNLOCKED/CLOSED', 'UNLOCKED/OPEN']);
  });

  it('a door left open that is then closed locks', async () => {
    // Prepare
    const locker = await startLocker();
    locker.setFault('01', 'LEFT_OPEN');
    await unlock('01', 'cmd-open');
    await reportedOn('01', (state) => state.door === 'OPEN', 'the door open');

    // Act
    locker.closeDoor('01');

    // Assess
    const report = await reportedOn('01', (state) => state.lock === 'LOCKED' && state.lastCommandId === 'cmd-open', 'the door locked');
    expect(reported(report)).toEqual({ lock: 'LOCKED', door: 'CLOSED', lastCommandId: 'cmd-open' });
    expect(reportedSequence('01')).toEqual(['UNLOCKED/CLOSED', 'UNLOCKED/OPEN', 'UNLOCKED/CLOSED', 'LOCKED/CLOSED']);
  });

  it('a door left open closes on its own once the fault is cleared', async () => {
    // Prepare
    const locker = await startLocker();
    locker.setFault('01', 'LEFT_OPEN');
    await unlock('01', 'cmd-open');
    await reportedOn('01', (state) => state.door === 'OPEN', 'the door open');

    // Act
    locker.setFault('01', null);

    // Assess
    await reportedOn('01', (state) => state.lock === 'LOCKED' && state.lastCommandId === 'cmd-open', 'the door locked');
    expect(locker.doorState('01')).toEqual({ lock: 'LOCKED', door: 'CLOSED', lastCommandId: 'cmd-open', fault: null });
  });

  it('a forced door reports open while locked under the last command it ran, then closes', async () => {
    // Prepare
    const locker = await startLocker();
    await unlock('01', 'cmd-before');
    await reportedOn('01', (state) => state.lastCommandId === 'cmd-before' && state.lock === 'LOCKED' && state.door === 'CLOSED', 'the cycle done');

    // Act
    locker.forceOpen('01');

    // Assess
    const forced = await reportedOn('01', (state) => state.lock === 'LOCKED' && state.door === 'OPEN', 'the forced door');
    expect(reported(forced)).toEqual({ lock: 'LOCKED', door: 'OPEN', lastCommandId: 'cmd-before' });
    const closed = await reportedAfter('01', forced, (state) => state.door === 'CLOSED', 'the door closed again');
    expect(reported(closed)).toEqual({ lock: 'LOCKED', door: 'CLOSED', lastCommandId: 'cmd-before' });
  });

  it('a forced door that is left open stays open until closed', async () => {
    // Prepare
    const locker = await startLocker();
    locker.setFault('01', 'LEFT_OPEN');
    locker.forceOpen('01');
    await reportedOn('01', (state) => state.door === 'OPEN', 'the forced door');
    await unlock('02', 'cmd-other');
    await reportedOn('02', (state) => state.lastCommandId === 'cmd-other' && state.lock === 'LOCKED', 'door 02 through its cycle');
    const whileNobodyCloses = locker.doorState('01');

    // Act
    locker.closeDoor('01');

    // Assess
    expect(whileNobodyCloses).toEqual({ lock: 'LOCKED', door: 'OPEN', lastCommandId: null, fault: null });
    expect(locker.doorState('01')).toEqual({ lock: 'LOCKED', door: 'CLOSED', lastCommandId: null, fault: null });
  });

  it('drops a command that arrives while the door stands open', async () => {
    // Prepare
    const locker = await startLocker();
    locker.setFault('01', 'LEFT_OPEN');
    locker.forceOpen('01');
    await reportedOn('01', (state) => state.door === 'OPEN', 'the forced door');

    // Act
    await unlock('01', 'cmd-while-open');
    await unlock('02', 'cmd-other');
    await reportedOn('02', (state) => state.lastCommandId === 'cmd-other' && state.lock === 'LOCKED', 'door 02 through its cycle');

    // Assess
    expect(locker.doorState('01')).toEqual({ lock: 'LOCKED', door: 'OPEN', lastCommandId: null, fault: null });
  });
});
