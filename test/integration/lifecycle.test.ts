import { describe, expect, it } from 'vitest';
import { parcelKey } from '#shared/adapters/dynamodb/entities/parcel';
import { expireParcels } from '#shared/use-cases/expire-parcels';
import { getParcel } from '#shared/use-cases/get-parcel';
import { kioskPickup } from '#shared/use-cases/kiosk-pickup';
import { listParcels } from '#shared/use-cases/list-parcels';
import { cancelParcel, returnParcel } from '#shared/use-cases/release-parcel';
import { retrieveParcel } from '#shared/use-cases/retrieve-parcel';
import { storeParcel } from '#shared/use-cases/store-parcel';
import type { StoredParcel } from '#shared/ports';
import { createTestTable } from '#test/helpers/dynamodb';
import { actors, buildDeps, itemsUnder, ManualClock, ScriptedCodes, type TestDeps } from '#test/helpers/deps';
import { depositThroughDoor, doorOf, openDoorForPickup, slotAt, storeThroughDoor } from '#test/helpers/doors';
import { givenLocation } from '#test/helpers/fixtures';

// The sweep reads every shard of the expiry index, so each sweep test gets a table of its own.
async function freshDeps(codes?: string[]) {
  const table = await createTestTable();
  return { table, deps: buildDeps(table, { clock: new ManualClock(), ...(codes ? { codes: new ScriptedCodes(codes) } : {}) }) };
}

/** Parcels whose deposit doors opened and closed: STORED, their pickup windows running. */
async function givenStored(deps: TestDeps, count = 1, slots = { S: 3 }) {
  const { locationId } = await givenLocation(deps, slots);
  const parcels: StoredParcel[] = [];
  for (let i = 0; i < count; i++) {
    parcels.push(await storeThroughDoor(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' }));
  }
  return { locationId, parcels };
}

const eventTypes = async (deps: TestDeps, tableName: string, parcelId: string) =>
  (await itemsUnder(deps, tableName, parcelKey(parcelId).PK)).filter((item) => item.entity === 'EVENT').map((item) => item.type);

const stored = ['PARCEL_DEPOSITING', 'PARCEL_STORED'];

describe('the expiry sweep', () => {
  it('expires only parcels whose pickup window has passed', async () => {
    // Prepare
    const { deps } = await freshDeps();
    const { parcels: [early] } = await givenStored(deps);
    deps.clock.advanceHours(48);
    const { parcels: [late] } = await givenStored(deps);
    deps.clock.advanceHours(25);

    // Act
    const result = await expireParcels(deps);

    // Assess
    expect(result).toEqual({ expired: 1 });
    expect((await deps.parcels.get(early!.parcelId))?.status).toBe('EXPIRED');
    expect((await deps.parcels.get(late!.parcelId))?.status).toBe('STORED');
  });

  it('expires each parcel once when run twice', async () => {
    // Prepare
    const { deps, table } = await freshDeps();
    const { parcels } = await givenStored(deps, 3);
    deps.clock.advanceHours(73);

    // Act
    const first = await expireParcels(deps);
    const second = await expireParcels(deps);

    // Assess
    expect([first, second]).toEqual([{ expired: 3 }, { expired: 0 }]);
    for (const parcel of parcels) {
      expect(await eventTypes(deps, table.tableName, parcel.parcelId)).toEqual([...stored, 'PARCEL_EXPIRED']);
    }
  });

  it('expires each parcel once when runs overlap', async () => {
    // Prepare
    const { deps, table } = await freshDeps();
    const { parcels } = await givenStored(deps, 3);
    deps.clock.advanceHours(73);

    // Act
    const results = await Promise.all([expireParcels(deps), expireParcels(deps), expireParcels(deps)]);

    // Assess
    expect(results.reduce((sum, result) => sum + result.expired, 0)).toBe(3);
    for (const parcel of parcels) {
      expect(await eventTypes(deps, table.tableName, parcel.parcelId)).toEqual([...stored, 'PARCEL_EXPIRED']);
    }
  });

  it('counts the pickup window from the door closing, not from the store request', async () => {
    // Prepare
    const { deps } = await freshDeps();
    const { locationId } = await givenLocation(deps, { S: 1 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
    deps.clock.advanceMinutes(10);
    await depositThroughDoor(deps, depositing);
    // 72 h 5 min after the request, 71 h 55 min after the door closed.
    deps.clock.advanceHours(71);
    deps.clock.advanceMinutes(55);

    // Act
    const early = await expireParcels(deps);
    deps.clock.advanceMinutes(5);
    const onTime = await expireParcels(deps);

    // Assess
    expect([early, onTime]).toEqual([{ expired: 0 }, { expired: 1 }]);
  });

  it('leaves DEPOSITING and COLLECTING parcels alone, even past the window of a stored one', async () => {
    // Prepare
    const { deps } = await freshDeps(['6400010000', '6400020000']);
    const { locationId, parcels: [collecting] } = await givenStored(deps, 1, { S: 3 });
    deps.clock.advanceHours(71);
    await retrieveParcel(deps, actors.customer, collecting!.parcelId, '6400010000');
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
    deps.clock.advanceHours(80);

    // Act
    const result = await expireParcels(deps);

    // Assess
    expect(result).toEqual({ expired: 0 });
    expect([(await deps.parcels.get(collecting!.parcelId))?.status, (await deps.parcels.get(depositing.parcelId))?.status]).toEqual([
      'COLLECTING',
      'DEPOSITING',
    ]);
  });

  it('keeps the slot occupied and stops the code from working', async () => {
    // Prepare
    const { deps } = await freshDeps(['6402110000']);
    const { locationId, parcels: [parcel] } = await givenStored(deps);
    deps.clock.advanceHours(73);

    // Act
    await expireParcels(deps);

    // Assess
    expect(await slotAt(deps, parcel!)).toMatchObject({ occupancy: 'OCCUPIED', service: 'IN_SERVICE', parcelId: parcel!.parcelId });
    expect(await deps.parcels.findByPickupCode(locationId, deps.vault.hash(locationId, '6402110000'))).toBeUndefined();
    await expect(kioskPickup(deps, actors.kiosk(locationId), locationId, '6402110000')).rejects.toMatchObject({ code: 'INVALID_PICKUP_CODE' });
    expect(deps.doors.commands.filter(({ command }) => command.reason === 'PICKUP')).toEqual([]);
  });

  it('refuses the owner\'s pickup of an expired parcel with PARCEL_EXPIRED, not as a wrong code', async () => {
    // Prepare
    const { deps } = await freshDeps(['6402120000']);
    const { parcels: [parcel] } = await givenStored(deps);
    deps.clock.advanceHours(73);
    await expireParcels(deps);

    // Act
    const attempt = retrieveParcel(deps, actors.customer, parcel!.parcelId, '6402120000');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'PARCEL_EXPIRED' });
    expect((await deps.parcels.get(parcel!.parcelId))?.failedAttempts).toBe(0);
  });
});

describe('returning and cancelling', () => {
  it('returns an expired parcel and frees its slot', async () => {
    // Prepare
    const { deps } = await freshDeps();
    const { locationId, parcels: [parcel] } = await givenStored(deps);
    deps.clock.advanceHours(73);
    await expireParcels(deps);

    // Act
    const result = await returnParcel(deps, actors.carrier, parcel!.parcelId);

    // Assess
    expect(result).toEqual({ parcelId: parcel!.parcelId, status: 'RETURNED' });
    expect(await deps.locations.freeCounts(locationId)).toEqual({ S: 3, M: 0, L: 0 });
  });

  it('refuses to return a parcel that has not expired', async () => {
    // Prepare
    const { deps } = await freshDeps();
    const { parcels: [parcel] } = await givenStored(deps);

    // Act
    const attempt = returnParcel(deps, actors.carrier, parcel!.parcelId);

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });

  it('cancels a stored parcel, frees its slot and retires its code', async () => {
    // Prepare
    const { deps, table } = await freshDeps(['7770010000']);
    const { locationId, parcels: [parcel] } = await givenStored(deps);

    // Act
    const result = await cancelParcel(deps, actors.carrier, parcel!.parcelId);

    // Assess
    expect(result).toEqual({ parcelId: parcel!.parcelId, status: 'CANCELLED' });
    expect(await deps.locations.freeCounts(locationId)).toEqual({ S: 3, M: 0, L: 0 });
    expect(await deps.parcels.findByPickupCode(locationId, deps.vault.hash(locationId, '7770010000'))).toBeUndefined();
    expect(await eventTypes(deps, table.tableName, parcel!.parcelId)).toEqual([...stored, 'PARCEL_CANCELLED']);
  });

  it('cancels a DEPOSITING parcel: its door command ends, the slot is free again and the code retired', async () => {
    // Prepare
    const { deps, table } = await freshDeps(['7770030000']);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });

    // Act
    const result = await cancelParcel(deps, actors.carrier, depositing.parcelId);

    // Assess
    expect(result).toEqual({ parcelId: depositing.parcelId, status: 'CANCELLED' });
    const slot = await slotAt(deps, depositing);
    expect({ occupancy: slot.occupancy, command: slot.command, lastCommand: slot.lastCommand, deadline: slot.deadline }).toEqual({
      occupancy: 'FREE',
      command: undefined,
      lastCommand: { commandId: depositing.commandId, reason: 'DEPOSIT', parcelId: depositing.parcelId, outcome: 'CANCELLED' },
      deadline: undefined,
    });
    expect(deps.doors.desired(doorOf(depositing))).toBeUndefined();
    expect(await deps.locations.freeCounts(locationId)).toEqual({ S: 1, M: 0, L: 0 });
    expect(await deps.parcels.findByPickupCode(locationId, deps.vault.hash(locationId, '7770030000'))).toBeUndefined();
    expect(await eventTypes(deps, table.tableName, depositing.parcelId)).toEqual(['PARCEL_DEPOSITING', 'PARCEL_CANCELLED']);
  });

  it('records a late opening of a cancelled deposit\'s door without raising a forced-open alarm', async () => {
    // Prepare
    const { deps } = await freshDeps();
    const { locationId } = await givenLocation(deps, { S: 1 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
    await cancelParcel(deps, actors.carrier, depositing.parcelId);

    // Act
    await depositThroughDoor(deps, depositing);

    // Assess
    expect((await deps.parcels.get(depositing.parcelId))?.status).toBe('CANCELLED');
    expect(await slotAt(deps, depositing)).toMatchObject({ occupancy: 'FREE', service: 'IN_SERVICE' });
    expect(await deps.locations.freeCounts(locationId)).toEqual({ S: 1, M: 0, L: 0 });
  });

  it('hides a parcel from a carrier who did not deposit it', async () => {
    // Prepare
    const { deps } = await freshDeps();
    const { parcels: [parcel] } = await givenStored(deps);

    // Act
    const attempt = cancelParcel(deps, actors.otherCarrier, parcel!.parcelId);

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'PARCEL_NOT_FOUND' });
    await expect(getParcel(deps, actors.otherCarrier, parcel!.parcelId)).rejects.toMatchObject({ code: 'PARCEL_NOT_FOUND' });
  });

  it('answers a cancel repeated after it was done with CANCELLED, changing nothing and recording no second event', async () => {
    // Prepare: the first answer was lost (a 503), so the carrier asks again.
    const { deps, table } = await freshDeps();
    const { parcels: [parcel] } = await givenStored(deps);
    await cancelParcel(deps, actors.carrier, parcel!.parcelId);
    const before = await deps.parcels.get(parcel!.parcelId);

    // Act
    const again = await cancelParcel(deps, actors.carrier, parcel!.parcelId);

    // Assess
    expect(again).toEqual({ parcelId: parcel!.parcelId, status: 'CANCELLED' });
    expect(await deps.parcels.get(parcel!.parcelId)).toEqual(before);
    expect((await eventTypes(deps, table.tableName, parcel!.parcelId)).filter((type) => type === 'PARCEL_CANCELLED')).toHaveLength(1);
  });

  it('clears the deposit command from the door when a cancel is repeated after its first answer was lost', async () => {
    // Prepare: the cancel committed, but its clearing of the shadow failed (logged, not answered),
    // as it would if the invocation had ended right after the commit.
    const { deps } = await freshDeps();
    const { locationId } = await givenLocation(deps, { S: 1 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
    const clear = deps.doors.clear.bind(deps.doors);
    deps.doors.clear = async () => {
      throw Object.assign(new Error('Shadow write timed out'), { name: 'TimeoutError' });
    };
    await cancelParcel(deps, actors.carrier, depositing.parcelId).catch(() => undefined);
    const desiredAfterLoss = deps.doors.desired(doorOf(depositing));
    deps.doors.clear = clear;

    // Act
    const again = await cancelParcel(deps, actors.carrier, depositing.parcelId);

    // Assess
    expect(desiredAfterLoss).toMatchObject({ commandId: depositing.commandId });
    expect(again.status).toBe('CANCELLED');
    expect(deps.doors.desired(doorOf(depositing))).toBeUndefined();
  });

  it('refuses to cancel a parcel while its door is opening for a pickup', async () => {
    // Prepare
    const { deps } = await freshDeps(['7770040000']);
    const { parcels: [parcel] } = await givenStored(deps);
    await retrieveParcel(deps, actors.customer, parcel!.parcelId, '7770040000');

    // Act
    const attempt = cancelParcel(deps, actors.admin, parcel!.parcelId);

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect((await deps.parcels.get(parcel!.parcelId))?.status).toBe('COLLECTING');
  });

  it('refuses to cancel a retrieved parcel', async () => {
    // Prepare
    const { deps } = await freshDeps(['7770020000']);
    const { parcels: [parcel] } = await givenStored(deps);
    const pickup = await retrieveParcel(deps, actors.customer, parcel!.parcelId, '7770020000');
    await openDoorForPickup(deps, parcel!, pickup);

    // Act
    const attempt = cancelParcel(deps, actors.admin, parcel!.parcelId);

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });
});

describe('listing parcels', () => {
  it('gives a customer their own parcels only, page by page', async () => {
    // Prepare
    const { deps } = await freshDeps();
    const { locationId } = await givenStored(deps, 3, { S: 4 });
    await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.otherCustomer.sub, size: 'S' });

    // Act
    const first = await listParcels(deps, actors.customer, { limit: 2 });
    const second = await listParcels(deps, actors.customer, { limit: 2, cursor: first.cursor! });

    // Assess
    const all = [...first.items, ...second.items];
    expect(all).toHaveLength(3);
    expect(all.every((parcel) => parcel.recipientId === actors.customer.sub)).toBe(true);
    expect(all.some((parcel) => 'pickupCodeHash' in parcel || 'sealedPickupCode' in parcel)).toBe(false);
  });

  it('refuses a cursor taken from another listing', async () => {
    // Prepare
    const { deps } = await freshDeps();
    await givenStored(deps, 3);
    const adminPage = await listParcels(deps, actors.admin, { limit: 1 });

    // Act
    const attempt = listParcels(deps, actors.customer, { limit: 1, cursor: adminPage.cursor! });

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('lets an admin filter by location', async () => {
    // Prepare
    const { deps } = await freshDeps();
    const { locationId } = await givenStored(deps, 2);
    await givenStored(deps, 1);

    // Act
    const page = await listParcels(deps, actors.admin, { limit: 10, locationId });

    // Assess
    expect(page.items.map((parcel) => parcel.locationId)).toEqual([locationId, locationId]);
  });
});
