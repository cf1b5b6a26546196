import { beforeAll, describe, expect, it } from 'vitest';
import { locationPartition } from '#shared/adapters/dynamodb/entities/location';
import { parcelKey } from '#shared/adapters/dynamodb/entities/parcel';
import { doorShadowName, thingNameOf, type DoorReport } from '#shared/domain/door';
import { doorTimeouts } from '#shared/use-cases/door-timeouts';
import { expireParcels } from '#shared/use-cases/expire-parcels';
import { getLocation } from '#shared/use-cases/get-location';
import { getParcel } from '#shared/use-cases/get-parcel';
import { kioskPickup } from '#shared/use-cases/kiosk-pickup';
import { openSlot } from '#shared/use-cases/open-slot';
import { reconcileDoor } from '#shared/use-cases/reconcile-door';
import { cancelParcel } from '#shared/use-cases/release-parcel';
import { retrieveParcel } from '#shared/use-cases/retrieve-parcel';
import { setSlotStatus } from '#shared/use-cases/set-slot-status';
import { storeParcel } from '#shared/use-cases/store-parcel';
import { createTestTable, type TestTable } from '#test/helpers/dynamodb';
import { actors, buildDeps, CountingMetrics, itemsUnder, ScriptedCodes, type TestDeps } from '#test/helpers/deps';
import {
  closeDoor,
  cycle,
  deliver,
  deliverPending,
  depositThroughDoor,
  doorOf,
  givenLocker,
  jammed,
  openDoorForPickup,
  presence,
  reportInTurn,
  slotAt,
  storeThroughDoor,
} from '#test/helpers/doors';
import { givenLocation } from '#test/helpers/fixtures';

/**
 * Parcels follow what their doors did, against DynamoDB Local and real shadow documents: every
 * `…/update/documents` message the shadow produces reaches the reconciler, in the order a test
 * chooses, as many times as it chooses.
 */
let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});

/** The door-timeouts schedule reads every deadline in the table: tests that run it get a table of their own. */
async function ownTable(codes?: string[]): Promise<TestDeps> {
  return buildDeps(await createTestTable(), codes ? { codes: new ScriptedCodes(codes) } : {});
}

const parcelEvents = async (deps: TestDeps, parcelId: string) =>
  (await itemsUnder(deps, deps.tableName, parcelKey(parcelId).PK)).filter((item) => item.entity === 'EVENT');

const locationEvents = async (deps: TestDeps, locationId: string) =>
  (await itemsUnder(deps, deps.tableName, locationPartition(locationId))).filter((item) => item.entity === 'EVENT');

const commandsFor = (deps: TestDeps, reason: 'DEPOSIT' | 'PICKUP' | 'MAINTENANCE') =>
  deps.doors.commands.filter(({ command }) => command.reason === reason).map(({ door, command }) => ({ door: doorOf(door), commandId: command.commandId }));

/**
 * Racing pickups of one parcel start one door command: every answer is either that command (the
 * winner, or a loser told the same command again) or a refusal. @returns the command's id.
 */
function expectOnePickupStarted(deps: TestDeps, results: readonly PromiseSettledResult<{ status: string; commandId: string }>[]): string | undefined {
  const commandIds = new Set(commandsFor(deps, 'PICKUP').map(({ commandId }) => commandId));
  expect(commandIds.size).toBe(1);
  const [commandId] = commandIds;
  for (const result of results) {
    if (result.status === 'fulfilled') expect(result.value).toMatchObject({ status: 'COLLECTING', commandId });
    else expect(['INVALID_STATE', 'DOOR_BUSY']).toContain((result.reason as { code?: string }).code);
  }
  return commandId;
}

/** A STORED parcel for the customer in a location with `slots` in locker A. */
async function givenStored(deps: TestDeps, slots: { S?: number; M?: number; L?: number } = { S: 2 }) {
  const { locationId } = await givenLocation(deps, slots);
  const parcel = await storeThroughDoor(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
  return { locationId, parcel };
}

describe('a deposit through its door', () => {
  it('is STORED once the door has opened, closed and locked, and its command is cleared from the shadow', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
    deps.clock.advanceSeconds(10);

    // Act
    await depositThroughDoor(deps, depositing);

    // Assess
    expect(await getParcel(deps, actors.carrier, depositing.parcelId)).toMatchObject({ status: 'STORED', expiresAt: '2026-11-25T10:00:10.000Z' });
    const slot = await slotAt(deps, depositing);
    expect({ occupancy: slot.occupancy, service: slot.service, parcelId: slot.parcelId, command: slot.command, deadline: slot.deadline }).toEqual({
      occupancy: 'OCCUPIED',
      service: 'IN_SERVICE',
      parcelId: depositing.parcelId,
      command: undefined,
      deadline: undefined,
    });
    expect(slot.lastCommand).toMatchObject({ commandId: depositing.commandId, reason: 'DEPOSIT', outcome: 'DONE' });
    expect(slot.door).toMatchObject({ lock: 'LOCKED', door: 'CLOSED', lastCommandId: depositing.commandId, fault: null });
    expect(deps.doors.desired(doorOf(depositing))).toBeUndefined();
  });

  it('stays DEPOSITING, with its command in the shadow, while the door has only opened', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });

    // Act
    await reportInTurn(deps, depositing, cycle(depositing.commandId!).slice(0, 3));

    // Assess
    expect((await deps.parcels.get(depositing.parcelId))?.status).toBe('DEPOSITING');
    expect(deps.doors.desired(doorOf(depositing))).toMatchObject({ commandId: depositing.commandId, reason: 'DEPOSIT' });
  });

  it('is stored once when every document arrives twice', async () => {
    // Prepare
    const metrics = new CountingMetrics();
    const deps = buildDeps(table, { metrics });
    const { locationId } = await givenLocation(deps, { S: 1 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });

    // Act
    for (const report of cycle(depositing.commandId!)) {
      deps.doors.report(doorOf(depositing), report);
      const documents = deps.doors.take();
      await deliver(deps, [...documents, ...documents]);
    }
    const documents = deps.doors.take();
    await deliver(deps, [...documents, ...documents]);

    // Assess
    const parcel = await deps.parcels.get(depositing.parcelId);
    expect({ status: parcel?.status, expiresAt: parcel?.expiresAt }).toEqual({ status: 'STORED', expiresAt: '2026-11-25T10:00:00.000Z' });
    expect((await parcelEvents(deps, depositing.parcelId)).map((event) => event.type)).toEqual(['PARCEL_DEPOSITING', 'PARCEL_STORED']);
    expect(metrics.counts.get('ParcelStored')).toBe(1);
  });

  it('is stored when the closed-and-locked document arrives before the opened one', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
    const [unlocked, opened, closed, locked] = cycle(depositing.commandId!).map((report) => deps.doors.report(doorOf(depositing), report));
    deps.doors.take();

    // Act
    await deliver(deps, [locked!]);
    const afterClosing = (await deps.parcels.get(depositing.parcelId))?.status;
    await deliver(deps, [closed!, opened!, unlocked!]);
    await deliverPending(deps);

    // Assess
    expect(afterClosing).toBe('DEPOSITING');
    expect((await deps.parcels.get(depositing.parcelId))?.status).toBe('STORED');
    expect(await slotAt(deps, depositing)).toMatchObject({ occupancy: 'OCCUPIED', service: 'IN_SERVICE', door: { lock: 'LOCKED', door: 'CLOSED' } });
    expect(deps.doors.desired(doorOf(depositing))).toBeUndefined();
  });

  it('is not stored by a door that closes and locks without having opened', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
    const [unlocked, , , locked] = cycle(depositing.commandId!);

    // Act
    await reportInTurn(deps, depositing, [unlocked!, locked!]);

    // Assess
    expect((await deps.parcels.get(depositing.parcelId))?.status).toBe('DEPOSITING');
    expect((await slotAt(deps, depositing)).command?.commandId).toBe(depositing.commandId);
  });

  it('moves to another free slot when its door jams, with a new command the carrier sees', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1, M: 1 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });

    // Act
    await reportInTurn(deps, depositing, [jammed(depositing.commandId!)]);

    // Assess
    const moved = await getParcel(deps, actors.carrier, depositing.parcelId);
    expect({ status: moved.status, slotId: moved.slotId, slotSize: moved.slotSize }).toEqual({ status: 'DEPOSITING', slotId: '02', slotSize: 'M' });
    expect(moved.commandId).not.toBe(depositing.commandId);
    expect(commandsFor(deps, 'DEPOSIT')).toEqual([
      { door: doorOf(depositing), commandId: depositing.commandId },
      { door: { locationId, lockerId: 'A', slotId: '02' }, commandId: moved.commandId },
    ]);
    const jammedSlot = await slotAt(deps, depositing);
    expect({ occupancy: jammedSlot.occupancy, service: jammedSlot.service, fault: jammedSlot.fault, parcelId: jammedSlot.parcelId }).toEqual({
      occupancy: 'FREE',
      service: 'OUT_OF_SERVICE',
      fault: 'JAMMED',
      parcelId: undefined,
    });
    expect(deps.doors.desired(doorOf(depositing))).toBeUndefined();
    expect(deps.doors.desired(doorOf(moved))).toMatchObject({ commandId: moved.commandId, reason: 'DEPOSIT' });
  });

  it('is stored in the slot it moved to once that door opens and closes', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['3010010000']) });
    const { locationId } = await givenLocation(deps, { S: 2 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
    await reportInTurn(deps, depositing, [jammed(depositing.commandId!)]);
    const moved = (await deps.parcels.get(depositing.parcelId))!;

    // Act
    await depositThroughDoor(deps, moved);

    // Assess
    expect(await getParcel(deps, actors.customer, depositing.parcelId)).toMatchObject({ status: 'STORED', slotId: moved.slotId, pickupCode: '3010010000' });
    expect(await slotAt(deps, moved)).toMatchObject({ occupancy: 'OCCUPIED', parcelId: depositing.parcelId });
    expect((await parcelEvents(deps, depositing.parcelId)).map((event) => event.type)).toEqual(['PARCEL_DEPOSITING', 'PARCEL_MOVED', 'PARCEL_STORED']);
  });

  it('ends DEPOSIT_FAILED when no other slot fits: the slot is released and the code index entry gone', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['3020010000']) });
    const { locationId } = await givenLocation(deps, { S: 1 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });

    // Act
    await reportInTurn(deps, depositing, [jammed(depositing.commandId!)]);

    // Assess
    const failed = await getParcel(deps, actors.carrier, depositing.parcelId);
    expect({ status: failed.status, commandId: failed.commandId }).toEqual({ status: 'DEPOSIT_FAILED', commandId: undefined });
    const slot = await slotAt(deps, depositing);
    expect({ occupancy: slot.occupancy, parcelId: slot.parcelId, service: slot.service, fault: slot.fault, command: slot.command }).toEqual({
      occupancy: 'FREE',
      parcelId: undefined,
      service: 'OUT_OF_SERVICE',
      fault: 'JAMMED',
      command: undefined,
    });
    expect(await deps.parcels.findByPickupCode(locationId, deps.vault.hash(locationId, '3020010000'))).toBeUndefined();
    expect(deps.doors.desired(doorOf(depositing))).toBeUndefined();
    expect((await parcelEvents(deps, depositing.parcelId)).map((event) => event.type)).toEqual(['PARCEL_DEPOSITING', 'PARCEL_DEPOSIT_FAILED']);
  });

  it('records the jam for operators', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });

    // Act
    await reportInTurn(deps, depositing, [jammed(depositing.commandId!)]);

    // Assess
    const faults = (await locationEvents(deps, locationId)).filter((event) => event.type === 'SLOT_FAULT');
    expect(faults.map(({ lockerId, slotId, fault }) => ({ lockerId, slotId, fault }))).toEqual([{ lockerId: 'A', slotId: '01', fault: 'JAMMED' }]);
  });

  it('moves on when the door has not opened by its deadline plus grace', async () => {
    // Prepare
    const deps = await ownTable();
    const { locationId } = await givenLocation(deps, { S: 2 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
    deps.clock.advanceSeconds(34);
    const early = await doorTimeouts(deps);
    deps.clock.advanceSeconds(2);

    // Act
    const due = await doorTimeouts(deps);

    // Assess
    expect([early, due]).toEqual([{ settled: 0 }, { settled: 1 }]);
    const moved = (await deps.parcels.get(depositing.parcelId))!;
    expect({ status: moved.status, moved: moved.slotId !== depositing.slotId }).toEqual({ status: 'DEPOSITING', moved: true });
    expect(await slotAt(deps, depositing)).toMatchObject({ occupancy: 'FREE', service: 'OUT_OF_SERVICE', fault: 'DID_NOT_OPEN' });
    expect(deps.doors.desired(doorOf(depositing))).toBeUndefined();
    expect(deps.doors.desired(doorOf(moved))).toMatchObject({ commandId: moved.commandId });
  });

  it('still completes when the command could not be written, by timing out into another slot', async () => {
    // Prepare
    const deps = await ownTable();
    const { locationId } = await givenLocation(deps, { S: 2 });
    deps.doors.failNextCommand = true;
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
    deps.clock.advanceSeconds(36);

    // Act
    await doorTimeouts(deps);
    const moved = (await deps.parcels.get(depositing.parcelId))!;
    await depositThroughDoor(deps, moved);

    // Assess
    expect(depositing.status).toBe('DEPOSITING');
    expect(deps.doors.desired(doorOf(depositing))).toBeUndefined();
    expect((await deps.parcels.get(depositing.parcelId))?.status).toBe('STORED');
    expect(commandsFor(deps, 'DEPOSIT').map(({ commandId }) => commandId)).toEqual([moved.commandId]);
  });

  it('ignores a door document for a shadow that is not a door of ours', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const current = { state: { reported: { lock: 'UNLOCKED', door: 'OPEN', lastCommandId: null } }, version: 3 };

    // Act
    const decisions = await Promise.all([
      reconcileDoor(deps, { thingName: thingNameOf(locationId, 'A'), shadowName: 'firmware', current }),
      reconcileDoor(deps, { thingName: 'somebody-else', shadowName: doorShadowName('01'), current }),
      reconcileDoor(deps, { thingName: thingNameOf(locationId, 'A'), shadowName: doorShadowName('99'), current }),
    ]);

    // Assess
    expect(decisions).toEqual([undefined, undefined, undefined]);
    expect(await slotAt(deps, { locationId, lockerId: 'A', slotId: '01' })).toMatchObject({ service: 'IN_SERVICE', version: 0 });
  });
});

describe('a pickup through its door', () => {
  it('is RETRIEVED when the door opens, and the command is cleared from the shadow then', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4010010000']) });
    const { parcel } = await givenStored(deps);
    const pickup = await retrieveParcel(deps, actors.customer, parcel.parcelId, '4010010000');
    const whileCommanded = deps.doors.desired(doorOf(parcel));

    // Act
    await openDoorForPickup(deps, parcel, pickup);

    // Assess
    expect(whileCommanded).toMatchObject({ commandId: pickup.commandId, reason: 'PICKUP' });
    expect((await deps.parcels.get(parcel.parcelId))?.status).toBe('RETRIEVED');
    expect(deps.doors.desired(doorOf(parcel))).toBeUndefined();
  });

  it('starts exactly one pickup when two race for one door: the other is told the same command or refused', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4020010000']) });
    const { locationId, parcel } = await givenStored(deps);

    // Act
    const results = await Promise.allSettled([
      retrieveParcel(deps, actors.customer, parcel.parcelId, '4020010000'),
      kioskPickup(deps, actors.kiosk(locationId), locationId, '4020010000'),
    ]);

    // Assess
    const commandId = expectOnePickupStarted(deps, results);
    expect((await deps.parcels.get(parcel.parcelId))?.commandId).toBe(commandId);
    expect((await deps.parcels.get(parcel.parcelId))?.failedAttempts).toBe(0);
  });

  it('starts exactly one pickup when several app pickups race for one door', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4020020000']) });
    const { parcel } = await givenStored(deps);

    // Act
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => retrieveParcel(deps, actors.customer, parcel.parcelId, '4020020000')));

    // Assess
    const commandId = expectOnePickupStarted(deps, results);
    expect((await deps.parcels.get(parcel.parcelId))?.commandId).toBe(commandId);
  });

  it('ignores late documents of the deposit command once the pickup command has started', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4030010000']) });
    const { locationId } = await givenLocation(deps, { S: 1 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
    const door = doorOf(depositing);
    const depositDocuments = [];
    for (const report of cycle(depositing.commandId!)) {
      depositDocuments.push(deps.doors.report(door, report));
      await deliverPending(deps);
    }
    const pickup = await retrieveParcel(deps, actors.customer, depositing.parcelId, '4030010000');
    await deliverPending(deps);

    // Act
    await deliver(deps, depositDocuments);
    // The locker says again where it stands, under its last command, at a newer shadow version.
    await reportInTurn(deps, door, [cycle(depositing.commandId!)[3]!]);

    // Assess
    expect((await deps.parcels.get(depositing.parcelId))?.status).toBe('COLLECTING');
    const slot = await slotAt(deps, door);
    expect({ command: slot.command?.commandId, opened: slot.command?.openedVersion, service: slot.service }).toEqual({
      command: pickup.commandId,
      opened: undefined,
      service: 'IN_SERVICE',
    });
    await openDoorForPickup(deps, door, pickup);
    expect((await deps.parcels.get(depositing.parcelId))?.status).toBe('RETRIEVED');
  });

  it('raises no alarm when the opening of a finished pickup is delivered again', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4030020000']) });
    const { locationId, parcel } = await givenStored(deps);
    const pickup = await retrieveParcel(deps, actors.customer, parcel.parcelId, '4030020000');
    await deliverPending(deps);
    const documents = cycle(pickup.commandId).map((report) => deps.doors.report(doorOf(parcel), report));
    await deliverPending(deps);

    // Act
    await deliver(deps, documents);

    // Assess
    expect(await slotAt(deps, parcel)).toMatchObject({ occupancy: 'FREE', service: 'IN_SERVICE' });
    expect(await deps.locations.freeCounts(locationId)).toEqual({ S: 2, M: 0, L: 0 });
    expect((await parcelEvents(deps, parcel.parcelId)).filter((event) => event.type === 'PARCEL_RETRIEVED')).toHaveLength(1);
  });

  it('ends RETRIEVED when the opened report arrives just after the deadline, before the timeout ran', async () => {
    // Prepare
    const deps = await ownTable(['4040010000']);
    const { parcel } = await givenStored(deps);
    const pickup = await retrieveParcel(deps, actors.customer, parcel.parcelId, '4040010000');
    deps.clock.advanceSeconds(36);

    // Act
    await openDoorForPickup(deps, parcel, pickup);
    const timeouts = await doorTimeouts(deps);

    // Assess
    expect(timeouts).toEqual({ settled: 0 });
    expect((await deps.parcels.get(parcel.parcelId))?.status).toBe('RETRIEVED');
    expect(await slotAt(deps, parcel)).toMatchObject({ occupancy: 'FREE', service: 'IN_SERVICE' });
  });

  it('ends RETRIEVED when the opened report arrives after the timeout gave the pickup up', async () => {
    // Prepare
    const deps = await ownTable(['4040020000']);
    const { locationId, parcel } = await givenStored(deps);
    const pickup = await retrieveParcel(deps, actors.customer, parcel.parcelId, '4040020000');
    await deliverPending(deps);
    const late = cycle(pickup.commandId).slice(0, 2).map((report) => deps.doors.report(doorOf(parcel), report));
    deps.doors.take();
    deps.clock.advanceSeconds(36);
    await doorTimeouts(deps);
    const givenUp = (await deps.parcels.get(parcel.parcelId))?.status;

    // Act
    await deliver(deps, late);
    await deliverPending(deps);

    // Assess
    expect(givenUp).toBe('STORED');
    expect((await deps.parcels.get(parcel.parcelId))?.status).toBe('RETRIEVED');
    const slot = await slotAt(deps, parcel);
    expect({ occupancy: slot.occupancy, service: slot.service, fault: slot.fault, parcelId: slot.parcelId }).toEqual({
      occupancy: 'FREE',
      service: 'IN_SERVICE',
      fault: undefined,
      parcelId: undefined,
    });
    expect(await deps.parcels.findByPickupCode(locationId, deps.vault.hash(locationId, '4040020000'))).toBeUndefined();
  });

  it('ends RETRIEVED from EXPIRED when the pickup gave up, the window ended, and then the opened report arrived', async () => {
    // Prepare
    const deps = await ownTable(['4040030000']);
    const { locationId, parcel } = await givenStored(deps);
    const pickup = await retrieveParcel(deps, actors.customer, parcel.parcelId, '4040030000');
    await deliverPending(deps);
    const late = cycle(pickup.commandId).slice(0, 2).map((report) => deps.doors.report(doorOf(parcel), report));
    deps.doors.take();
    deps.clock.advanceSeconds(36);
    await doorTimeouts(deps);
    deps.clock.advanceHours(73);
    await expireParcels(deps);
    const expired = (await deps.parcels.get(parcel.parcelId))?.status;

    // Act
    await deliver(deps, late);
    await deliverPending(deps);

    // Assess
    expect(expired).toBe('EXPIRED');
    expect((await deps.parcels.get(parcel.parcelId))?.status).toBe('RETRIEVED');
    const slot = await slotAt(deps, parcel);
    expect({ occupancy: slot.occupancy, service: slot.service, parcelId: slot.parcelId }).toEqual({ occupancy: 'FREE', service: 'IN_SERVICE', parcelId: undefined });
    expect((await parcelEvents(deps, parcel.parcelId)).filter((event) => event.type === 'PARCEL_RETRIEVED').map(({ from, to }) => ({ from, to }))).toEqual([
      { from: 'EXPIRED', to: 'RETRIEVED' },
    ]);
    expect(await deps.locations.freeCounts(locationId)).toEqual({ S: 1, M: 0, L: 0 });
  });

  it('alerts operators, naming the parcel, when the pickup gave up, the carrier cancelled, and then the opened report arrived', async () => {
    // Prepare
    const deps = await ownTable(['4040040000']);
    const { parcel } = await givenStored(deps);
    const pickup = await retrieveParcel(deps, actors.customer, parcel.parcelId, '4040040000');
    await deliverPending(deps);
    const late = cycle(pickup.commandId).slice(0, 2).map((report) => deps.doors.report(doorOf(parcel), report));
    deps.doors.take();
    deps.clock.advanceSeconds(36);
    await doorTimeouts(deps);
    await cancelParcel(deps, actors.carrier, parcel.parcelId);

    // Act
    await deliver(deps, late);
    await deliverPending(deps);

    // Assess
    expect((await deps.parcels.get(parcel.parcelId))?.status).toBe('CANCELLED');
    const alerts = (await parcelEvents(deps, parcel.parcelId)).filter((event) => event.type === 'DOOR_OPENED_LATE');
    expect(alerts.map(({ parcelId, commandId, from }) => ({ parcelId, commandId, from }))).toEqual([
      { parcelId: parcel.parcelId, commandId: pickup.commandId, from: 'CANCELLED' },
    ]);
    const slot = await slotAt(deps, parcel);
    expect({ service: slot.service, fault: slot.fault }).toEqual({ service: 'IN_SERVICE', fault: undefined });
  });

  it('goes back to STORED when the door jams: the slot leaves service with the parcel inside, the code stays valid', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4050010000']) });
    const { locationId, parcel } = await givenStored(deps);
    const pickup = await retrieveParcel(deps, actors.customer, parcel.parcelId, '4050010000');

    // Act
    await reportInTurn(deps, parcel, [jammed(pickup.commandId)]);

    // Assess
    const back = await getParcel(deps, actors.customer, parcel.parcelId);
    expect({ status: back.status, pickupCode: back.pickupCode, failedAttempts: back.failedAttempts, commandId: back.commandId }).toEqual({
      status: 'STORED',
      pickupCode: '4050010000',
      failedAttempts: 0,
      commandId: undefined,
    });
    const slot = await slotAt(deps, parcel);
    expect({ occupancy: slot.occupancy, service: slot.service, fault: slot.fault, parcelId: slot.parcelId }).toEqual({
      occupancy: 'OCCUPIED',
      service: 'OUT_OF_SERVICE',
      fault: 'JAMMED',
      parcelId: parcel.parcelId,
    });
    expect(await deps.parcels.findByPickupCode(locationId, deps.vault.hash(locationId, '4050010000'))).toBe(parcel.parcelId);
    expect(deps.doors.desired(doorOf(parcel))).toBeUndefined();
    const failed = (await parcelEvents(deps, parcel.parcelId)).filter((event) => event.type === 'PARCEL_PICKUP_FAILED');
    expect(failed.map(({ fault, from, to, commandId }) => ({ fault, from, to, commandId }))).toEqual([
      { fault: 'JAMMED', from: 'COLLECTING', to: 'STORED', commandId: pickup.commandId },
    ]);
  });

  it('refuses a pickup from a jammed slot with SLOT_OUT_OF_SERVICE, and opens it again once an admin returns the slot to service', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4050020000']) });
    const { locationId, parcel } = await givenStored(deps);
    const first = await retrieveParcel(deps, actors.customer, parcel.parcelId, '4050020000');
    await reportInTurn(deps, parcel, [jammed(first.commandId)]);
    const whileJammed = await retrieveParcel(deps, actors.customer, parcel.parcelId, '4050020000').catch((error: { code?: string }) => error.code);
    // A technician frees the latch: the door reports closed and locked with no fault.
    await reportInTurn(deps, parcel, [{ lock: 'LOCKED', door: 'CLOSED', lastCommandId: first.commandId, fault: null }]);
    const restored = await setSlotStatus(deps, actors.admin, doorOf(parcel), 'FREE');

    // Act
    const second = await kioskPickup(deps, actors.kiosk(locationId), locationId, '4050020000');
    await openDoorForPickup(deps, parcel, second);

    // Assess
    expect(whileJammed).toBe('SLOT_OUT_OF_SERVICE');
    expect({ status: restored.status, service: restored.service }).toEqual({ status: 'OCCUPIED', service: 'IN_SERVICE' });
    expect((await deps.parcels.get(parcel.parcelId))?.status).toBe('RETRIEVED');
    expect(commandsFor(deps, 'PICKUP').map(({ commandId }) => commandId)).toEqual([first.commandId, second.commandId]);
  });

  it('goes back to STORED when the door does not open in time, the slot out of service as DID_NOT_OPEN', async () => {
    // Prepare
    const deps = await ownTable(['4060010000']);
    const { parcel } = await givenStored(deps);
    await retrieveParcel(deps, actors.customer, parcel.parcelId, '4060010000');
    deps.clock.advanceSeconds(36);

    // Act
    const result = await doorTimeouts(deps);

    // Assess
    expect(result).toEqual({ settled: 1 });
    expect((await deps.parcels.get(parcel.parcelId))?.status).toBe('STORED');
    expect(await slotAt(deps, parcel)).toMatchObject({ occupancy: 'OCCUPIED', service: 'OUT_OF_SERVICE', fault: 'DID_NOT_OPEN', parcelId: parcel.parcelId });
    expect(deps.doors.desired(doorOf(parcel))).toBeUndefined();
  });

  it('answers TRY_AGAIN when the command cannot be written, and leaves the parcel STORED to try again', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4070010000']) });
    const { parcel } = await givenStored(deps);
    deps.doors.failNextCommand = true;

    // Act
    const attempt = retrieveParcel(deps, actors.customer, parcel.parcelId, '4070010000');

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'UnavailableError', code: 'TRY_AGAIN' });
    const after = (await deps.parcels.get(parcel.parcelId))!;
    expect({ status: after.status, failedAttempts: after.failedAttempts, commandId: after.commandId }).toEqual({
      status: 'STORED',
      failedAttempts: 0,
      commandId: undefined,
    });
    const slot = await slotAt(deps, parcel);
    expect({ command: slot.command, service: slot.service, deadline: slot.deadline }).toEqual({ command: undefined, service: 'IN_SERVICE', deadline: undefined });
    expect(commandsFor(deps, 'PICKUP')).toEqual([]);
    expect((await retrieveParcel(deps, actors.customer, parcel.parcelId, '4070010000')).status).toBe('COLLECTING');
  });
});

describe('doors without a command', () => {
  it('take a slot out of service as DOOR_LEFT_OPEN after two minutes open, and back once closed and locked', async () => {
    // Prepare
    const deps = await ownTable(['5010010000']);
    const { locationId, parcel } = await givenStored(deps);
    const pickup = await retrieveParcel(deps, actors.customer, parcel.parcelId, '5010010000');
    await openDoorForPickup(deps, parcel, pickup);
    deps.clock.advanceSeconds(119);
    const early = await doorTimeouts(deps);
    deps.clock.advanceSeconds(2);

    // Act
    const due = await doorTimeouts(deps);
    const leftOpen = await slotAt(deps, parcel);
    await closeDoor(deps, parcel, pickup);

    // Assess
    expect([early, due]).toEqual([{ settled: 0 }, { settled: 1 }]);
    expect({ service: leftOpen.service, fault: leftOpen.fault }).toEqual({ service: 'OUT_OF_SERVICE', fault: 'DOOR_LEFT_OPEN' });
    const closed = await slotAt(deps, parcel);
    expect({ service: closed.service, fault: closed.fault, occupancy: closed.occupancy }).toEqual({ service: 'IN_SERVICE', fault: undefined, occupancy: 'FREE' });
    expect(await deps.locations.freeCounts(locationId)).toEqual({ S: 2, M: 0, L: 0 });
    expect((await locationEvents(deps, locationId)).filter((event) => event.fault === 'DOOR_LEFT_OPEN').map((event) => event.type)).toEqual([
      'SLOT_FAULT',
      'SLOT_RESTORED',
    ]);
  });

  it('refuse to return a slot to service while its door reports open, with DOOR_NOT_CLOSED', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['5010020000']) });
    const { parcel } = await givenStored(deps);
    const pickup = await retrieveParcel(deps, actors.customer, parcel.parcelId, '5010020000');
    await openDoorForPickup(deps, parcel, pickup);
    await setSlotStatus(deps, actors.admin, doorOf(parcel), 'OUT_OF_SERVICE', 'Inspect the hinge');

    // Act
    const attempt = setSlotStatus(deps, actors.admin, doorOf(parcel), 'FREE');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'DOOR_NOT_CLOSED' });
  });

  it('raise a FORCED_OPEN alarm when a door with a parcel inside opens with no command, and refuse pickups', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['5020010000']) });
    const { parcel } = await givenStored(deps);
    // The locker still names the deposit, its last command, as it must: the door opened without a new one.
    const deposit = (await slotAt(deps, parcel)).lastCommand?.commandId ?? null;
    const forced: DoorReport = { lock: 'LOCKED', door: 'OPEN', lastCommandId: deposit, fault: null };

    // Act
    await reportInTurn(deps, parcel, [forced]);

    // Assess
    expect(await slotAt(deps, parcel)).toMatchObject({ occupancy: 'OCCUPIED', service: 'OUT_OF_SERVICE', fault: 'FORCED_OPEN', parcelId: parcel.parcelId });
    const alarms = (await parcelEvents(deps, parcel.parcelId)).filter((event) => event.type === 'SLOT_FAULT');
    expect(alarms.map(({ fault, slotId }) => ({ fault, slotId }))).toEqual([{ fault: 'FORCED_OPEN', slotId: parcel.slotId }]);
    await expect(retrieveParcel(deps, actors.customer, parcel.parcelId, '5020010000')).rejects.toMatchObject({ code: 'SLOT_OUT_OF_SERVICE' });
  });

  it('raise a FORCED_OPEN alarm for an empty door, which is then offered to no store', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const door = { locationId, lockerId: 'A', slotId: '01' };

    // Act
    await reportInTurn(deps, door, [{ lock: 'UNLOCKED', door: 'OPEN', lastCommandId: null, fault: null }]);

    // Assess
    expect(await slotAt(deps, door)).toMatchObject({ occupancy: 'FREE', service: 'OUT_OF_SERVICE', fault: 'FORCED_OPEN' });
    await expect(storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' })).rejects.toMatchObject({
      code: 'NO_SLOT_AVAILABLE',
    });
  });
});

describe('offline lockers', () => {
  it('get no deposits: a store picks a slot in another, online locker', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 2 });
    await givenLocker(deps, locationId, 'B', { M: 1 });
    await presence(deps, { locationId, lockerId: 'A' }, false, 1);

    // Act
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });

    // Assess
    expect({ lockerId: depositing.lockerId, slotSize: depositing.slotSize }).toEqual({ lockerId: 'B', slotSize: 'M' });
    expect(commandsFor(deps, 'DEPOSIT')).toEqual([{ door: doorOf(depositing), commandId: depositing.commandId }]);
  });

  it('answer LOCKER_OFFLINE, not NO_SLOT_AVAILABLE, when every fitting free slot is in an offline locker', async () => {
    // Prepare: the online locker B is full, the offline locker A has free doors.
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 2 }, { online: false });
    await givenLocker(deps, locationId, 'B', { S: 1 });
    await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });

    // Act
    const attempt = storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ConflictError', code: 'LOCKER_OFFLINE' });
    expect(commandsFor(deps, 'DEPOSIT').map(({ door }) => door.lockerId)).toEqual(['B']);
  });

  it('answer NO_SLOT_AVAILABLE when no fitting free slot is left, online or not', async () => {
    // Prepare: the offline locker A has only small doors; the medium one of B is taken.
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 2 }, { online: false });
    await givenLocker(deps, locationId, 'B', { M: 1 });
    await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'M' });

    // Act
    const attempt = storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'M' });

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'NO_SLOT_AVAILABLE' });
  });

  it('count no free slots in offline lockers, in the location, the listing and the free counts alike', async () => {
    // Prepare: A (offline) has two small doors, B (online) one medium.
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 2 }, { online: false });
    await givenLocker(deps, locationId, 'B', { M: 1 });

    // Act
    const viewed = await getLocation(deps, actors.customer, locationId);
    const listed = (await deps.locations.freeCountsOf([locationId])).get(locationId);
    const counted = await deps.locations.freeCounts(locationId);
    await presence(deps, { locationId, lockerId: 'A' }, true, 1);
    const whenBack = await getLocation(deps, actors.customer, locationId);

    // Assess
    expect({ viewed: viewed.freeSlots, listed, counted }).toEqual({
      viewed: { S: 0, M: 1, L: 0 },
      listed: { S: 0, M: 1, L: 0 },
      counted: { S: 0, M: 1, L: 0 },
    });
    expect(whenBack.freeSlots).toEqual({ S: 2, M: 1, L: 0 });
  });

  it('answer a pickup with LOCKER_OFFLINE and change nothing', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['6010010000']) });
    const { locationId, parcel } = await givenStored(deps);
    await presence(deps, { locationId, lockerId: 'A' }, false, 1);
    const before = await deps.parcels.get(parcel.parcelId);
    const slotBefore = await slotAt(deps, parcel);

    // Act
    const results = await Promise.allSettled([
      retrieveParcel(deps, actors.customer, parcel.parcelId, '6010010000'),
      kioskPickup(deps, actors.kiosk(locationId), locationId, '6010010000'),
    ]);

    // Assess
    expect(results.map((result) => (result.status === 'rejected' ? (result.reason as { code?: string }).code : 'fulfilled'))).toEqual([
      'LOCKER_OFFLINE',
      'LOCKER_OFFLINE',
    ]);
    expect(await deps.parcels.get(parcel.parcelId)).toEqual(before);
    expect(await slotAt(deps, parcel)).toEqual(slotBefore);
    expect(commandsFor(deps, 'PICKUP')).toEqual([]);
  });

  it('open again for the pickup once the locker reconnects', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['6010020000']) });
    const { locationId, parcel } = await givenStored(deps);
    await presence(deps, { locationId, lockerId: 'A' }, false, 1);
    await presence(deps, { locationId, lockerId: 'A' }, true, 2);

    // Act
    const pickup = await retrieveParcel(deps, actors.customer, parcel.parcelId, '6010020000');

    // Assess
    expect(pickup.status).toBe('COLLECTING');
  });
});

describe('maintenance', () => {
  it('opens a door for an admin: done when it opens, no alarm, and the slot FREE again once closed and locked', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const door = { locationId, lockerId: 'A', slotId: '01' };

    // Act
    const opened = await openSlot(deps, actors.admin, door);
    const commanded = deps.doors.desired(door);
    await reportInTurn(deps, door, cycle(opened.commandId).slice(0, 2));
    const whileOpen = await slotAt(deps, door);
    await reportInTurn(deps, door, cycle(opened.commandId).slice(2));

    // Assess
    expect(opened).toEqual({ commandId: expect.any(String), ...door });
    expect(commanded).toMatchObject({ lock: 'UNLOCKED', commandId: opened.commandId, reason: 'MAINTENANCE' });
    expect({ command: whileOpen.command, service: whileOpen.service, outcome: whileOpen.lastCommand?.outcome }).toEqual({
      command: undefined,
      service: 'IN_SERVICE',
      outcome: 'DONE',
    });
    expect(deps.doors.desired(door)).toBeUndefined();
    expect(await deps.locations.freeCounts(locationId)).toEqual({ S: 1, M: 0, L: 0 });
    expect((await locationEvents(deps, locationId)).filter((event) => event.type === 'SLOT_FAULT')).toEqual([]);
  });

  it('refuses a door already under a command with DOOR_BUSY', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });

    // Act
    const attempt = openSlot(deps, actors.admin, doorOf(depositing));

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'DOOR_BUSY' });
    expect(commandsFor(deps, 'MAINTENANCE')).toEqual([]);
  });

  it('answers an open repeated before the door opened with the same command, written to the door again', async () => {
    // Prepare: the first answer was lost, so the admin asks again.
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const door = { locationId, lockerId: 'A', slotId: '01' };
    const first = await openSlot(deps, actors.admin, door);

    // Act
    const again = await openSlot(deps, actors.admin, door);

    // Assess
    expect(again).toEqual(first);
    expect(commandsFor(deps, 'MAINTENANCE').map(({ commandId }) => commandId)).toEqual([first.commandId, first.commandId]);
    expect((await slotAt(deps, door)).command?.commandId).toBe(first.commandId);
  });

  it('answers TRY_AGAIN when the command cannot be written, and takes the command back at once', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const door = { locationId, lockerId: 'A', slotId: '01' };
    const before = await slotAt(deps, door);
    deps.doors.failNextCommand = true;

    // Act
    const attempt = openSlot(deps, actors.admin, door);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'UnavailableError', code: 'TRY_AGAIN' });
    const slot = await slotAt(deps, door);
    expect({ command: slot.command, deadline: slot.deadline, service: slot.service, occupancy: slot.occupancy }).toEqual({
      command: undefined,
      deadline: undefined,
      service: before.service,
      occupancy: before.occupancy,
    });
    expect(slot.lastCommand).toMatchObject({ reason: 'MAINTENANCE', outcome: 'FAILED' });
    const events = (await locationEvents(deps, locationId)).filter((event) => String(event.type).startsWith('DOOR_COMMAND'));
    expect(events.map((event) => [event.type, event.commandId]).sort()).toEqual([
      ['DOOR_COMMANDED', slot.lastCommand!.commandId],
      ['DOOR_COMMAND_WITHDRAWN', slot.lastCommand!.commandId],
    ]);
    expect(await deps.locations.freeCounts(locationId)).toEqual({ S: 1, M: 0, L: 0 });
    const again = await openSlot(deps, actors.admin, door);
    expect(commandsFor(deps, 'MAINTENANCE')).toEqual([{ door, commandId: again.commandId }]);
  });

  it('refuses a door of an offline locker with LOCKER_OFFLINE', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 }, { online: false });

    // Act
    const attempt = openSlot(deps, actors.admin, { locationId, lockerId: 'A', slotId: '01' });

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'LOCKER_OFFLINE' });
    expect(deps.doors.commands).toEqual([]);
  });

  it('puts the slot out of service when the door jams', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const door = { locationId, lockerId: 'A', slotId: '01' };
    const opened = await openSlot(deps, actors.admin, door);

    // Act
    await reportInTurn(deps, door, [jammed(opened.commandId)]);

    // Assess
    expect(await slotAt(deps, door)).toMatchObject({ service: 'OUT_OF_SERVICE', fault: 'JAMMED', lastCommand: { outcome: 'FAILED' } });
    expect(deps.doors.desired(door)).toBeUndefined();
  });
});
