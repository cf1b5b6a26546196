import { GetThingShadowCommand, UpdateThingShadowCommand, type IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectionTopic, SimulatedLocker } from '#infra/local/iot/simulated-locker';
import { startIotLocal, type IotLocal } from '#infra/local/iot/start';
import type { JsonObject } from '#infra/local/iot/shadow-service';
import { dataPlaneClient, decode, encode, Inbox, type Received } from './support.ts';

// The service's side of a door: it writes desired over the IoT Data Plane API and reads what the
// locker reports, as the door reconciler will in AWS (from update/documents).

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
  thingName = `locker-sim-${thingCount}`;
  documents = await Inbox.open(iot.mqttUrl, [`$aws/things/${thingName}/shadow/name/+/update/documents`, connectionTopic(thingName)]);
});

afterEach(async () => {
  await Promise.all(lockers.splice(0).map((locker) => locker.stop()));
  await documents.close();
});

async function startLocker(): Promise<SimulatedLocker> {
  const locker = await SimulatedLocker.start({ mqttUrl: iot.mqttUrl, thingName, slotIds: ['01', '02'], openAfterMs: 5, closeAfterMs: 20 });
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

async function unlock(slotId: string, commandId: string): Promise<void> {
  const desired = { lock: 'UNLOCKED', commandId, reason: 'PICKUP', expiresAt: Math.floor(Date.now() / 1000) + 300 };
  await client.send(new UpdateThingShadowCommand({ thingName, shadowName: `door-${slotId}`, payload: encode({ state: { desired } }) }));
}

function reportedSequence(slotId: string): string[] {
  return documents.messages
    .filter((message) => message.topic === doorTopic(slotId))
    .map(reported)
    .filter((state) => state.lastCommandId !== undefined)
    .map((state) => `${String(state.lock)}/${String(state.door)}`);
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

  it('announces itself online on its connection topic', async () => {
    // Act
    await startLocker();

    // Assess
    const status = await documents.waitFor((message) => message.topic === connectionTopic(thingName));
    expect(status.payload).toEqual({ thingName, state: 'ONLINE' });
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

    // Act: desired still says UNLOCKED/cmd-3, so any update publishes that delta again.
    const desired = { reason: 'AUDIT' };
    await client.send(new UpdateThingShadowCommand({ thingName, shadowName: 'door-01', payload: encode({ state: { desired } }) }));
    await unlock('01', 'cmd-4');
    await reportedOn('01', (state) => state.lastCommandId === 'cmd-4' && state.lock === 'LOCKED', 'the second cycle');

    // Assess
    expect(reportedSequence('01').filter((step) => step === 'UNLOCKED/OPEN')).toHaveLength(2);
  });

  it('ignores a command whose expiry has passed', async () => {
    // Prepare
    const locker = await startLocker();
    await reportedOn('01', (state) => state.lock === 'LOCKED', 'the initial report');
    const desired = { lock: 'UNLOCKED', commandId: 'cmd-expired', expiresAt: Math.floor(Date.now() / 1000) - 60 };

    // Act
    await client.send(new UpdateThingShadowCommand({ thingName, shadowName: 'door-01', payload: encode({ state: { desired } }) }));
    await unlock('01', 'cmd-5');
    await reportedOn('01', (state) => state.lastCommandId === 'cmd-5' && state.lock === 'LOCKED', 'the valid command done');

    // Assess
    expect(documents.on(doorTopic('01')).some((message) => JSON.stringify(message).includes('"lastCommandId":"cmd-expired"'))).toBe(false);
    expect(locker.doorState('01').lastCommandId).toBe('cmd-5');
  });
});

describe('fault modes', () => {
  it('a jammed door never opens and reports a JAMMED fault', async () => {
    // Prepare
    const locker = await startLocker();
    locker.setFault('01', 'JAMMED');

    // Act
    await unlock('01', 'cmd-jam');

    // Assess
    const report = await reportedOn('01', (state) => state.fault !== undefined, 'a fault');
    expect(reported(report)).toEqual({ lock: 'LOCKED', door: 'CLOSED', lastCommandId: 'cmd-jam', fault: 'JAMMED' });
  });

  it('a door left open reports a LEFT_OPEN fault while open and unlocked', async () => {
    // Prepare
    const locker = await startLocker();
    locker.setFault('01', 'LEFT_OPEN');

    // Act
    await unlock('01', 'cmd-open');

    // Assess
    const report = await reportedOn('01', (state) => state.fault !== undefined, 'a fault');
    expect(reported(report)).toEqual({ lock: 'UNLOCKED', door: 'OPEN', lastCommandId: 'cmd-open', fault: 'LEFT_OPEN' });
  });

  it('a door left open that is then closed locks and clears its fault', async () => {
    // Prepare
    const locker = await startLocker();
    locker.setFault('01', 'LEFT_OPEN');
    await unlock('01', 'cmd-open');
    await reportedOn('01', (state) => state.fault === 'LEFT_OPEN', 'the fault');

    // Act
    locker.closeDoor('01');

    // Assess
    const report = await reportedOn('01', (state) => state.fault === undefined && state.lock === 'LOCKED' && state.lastCommandId === 'cmd-open', 'the door locked');
    expect(reported(report)).toEqual({ lock: 'LOCKED', door: 'CLOSED', lastCommandId: 'cmd-open' });
  });

  it('a locker that goes offline is announced by its last will', async () => {
    // Prepare
    const locker = await startLocker();
    await documents.waitFor((message) => message.topic === connectionTopic(thingName) && message.payload.state === 'ONLINE');

    // Act
    await locker.goOffline();

    // Assess
    const will = await documents.waitFor((message) => message.topic === connectionTopic(thingName) && message.payload.state === 'OFFLINE', 'the last will');
    expect(will.payload).toEqual({ thingName, state: 'OFFLINE' });
  });

  it('a locker that comes back carries out the command sent while it was offline', async () => {
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
