import { beforeAll, describe, expect, it } from 'vitest';
import { parcelKey } from '#shared/adapters/dynamodb/entities/parcel';
import { getParcel } from '#shared/use-cases/get-parcel';
import { kioskPickup } from '#shared/use-cases/kiosk-pickup';
import { cancelParcel } from '#shared/use-cases/release-parcel';
import { reissuePickupCode } from '#shared/use-cases/reissue-code';
import { retrieveParcel } from '#shared/use-cases/retrieve-parcel';
import { storeParcel } from '#shared/use-cases/store-parcel';
import { createTestTable, type TestTable } from '#test/helpers/dynamodb';
import { actors, buildDeps, itemsUnder, ScriptedCodes, type TestDeps } from '#test/helpers/deps';
import { closeDoor, doorOf, openDoorForPickup, slotAt, storeThroughDoor } from '#test/helpers/doors';
import { givenLocation } from '#test/helpers/fixtures';

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});

/** A parcel whose deposit door has opened and closed: STORED, its code valid. */
async function givenStoredParcel(deps: TestDeps) {
  const { locationId } = await givenLocation(deps, { S: 2 });
  const parcel = await storeThroughDoor(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
  return { locationId, parcel };
}

const wrongCodes = (deps: TestDeps, parcelId: string, times: number) =>
  Array.from({ length: times }).reduce<Promise<unknown>>(
    (previous) => previous.then(() => retrieveParcel(deps, actors.customer, parcelId, '0000000000').catch((error: unknown) => error)),
    Promise.resolve(),
  );

const pickupCommands = (deps: TestDeps) => deps.doors.commands.filter(({ command }) => command.reason === 'PICKUP');

describe('retrieving a parcel in the app', () => {
  it('answers COLLECTING and commands the parcel\'s door open for the pickup', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829130000']) });
    const { parcel } = await givenStoredParcel(deps);

    // Act
    const result = await retrieveParcel(deps, actors.customer, parcel.parcelId, '4829130000');

    // Assess
    expect(result).toEqual({ parcelId: parcel.parcelId, status: 'COLLECTING', lockerId: 'A', slotId: parcel.slotId, commandId: expect.any(String) });
    const command = { lock: 'UNLOCKED', commandId: result.commandId, reason: 'PICKUP', expiresAt: Date.parse('2026-11-22T10:00:30.000Z') / 1000 };
    expect(pickupCommands(deps).map(({ door, command }) => ({ door: doorOf(door), command }))).toEqual([{ door: doorOf(parcel), command }]);
    expect(deps.doors.desired(doorOf(parcel))).toEqual(command);
    expect((await deps.parcels.get(parcel.parcelId))?.status).toBe('COLLECTING');
  });

  it('keeps the code and the slot while the door has not opened yet', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829140000']) });
    const { locationId, parcel } = await givenStoredParcel(deps);

    // Act
    await retrieveParcel(deps, actors.customer, parcel.parcelId, '4829140000');

    // Assess
    expect(await deps.parcels.findByPickupCode(locationId, deps.vault.hash(locationId, '4829140000'))).toBe(parcel.parcelId);
    expect(await slotAt(deps, parcel)).toMatchObject({ occupancy: 'OCCUPIED', parcelId: parcel.parcelId });
  });

  it('marks it RETRIEVED and retires the code when the door opens, and frees the slot once it closes and locks', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829150000']) });
    const { locationId, parcel } = await givenStoredParcel(deps);
    deps.clock.advanceMinutes(1);
    const pickup = await retrieveParcel(deps, actors.customer, parcel.parcelId, '4829150000');
    deps.clock.advanceMinutes(1);

    // Act
    await openDoorForPickup(deps, parcel, pickup);
    const whileOpen = await slotAt(deps, parcel);
    deps.clock.advanceMinutes(1);
    await closeDoor(deps, parcel, pickup);

    // Assess
    expect((await deps.parcels.get(parcel.parcelId))?.status).toBe('RETRIEVED');
    expect(await deps.parcels.findByPickupCode(locationId, deps.vault.hash(locationId, '4829150000'))).toBeUndefined();
    expect({ occupancy: whileOpen.occupancy, free: await deps.locations.freeCounts(locationId) }).toEqual({
      occupancy: 'FREE',
      free: { S: 2, M: 0, L: 0 },
    });
    const events = (await itemsUnder(deps, table.tableName, parcelKey(parcel.parcelId).PK)).filter((item) => item.entity === 'EVENT');
    expect(events.map((event) => event.type)).toEqual(['PARCEL_DEPOSITING', 'PARCEL_STORED', 'PARCEL_COLLECTING', 'PARCEL_RETRIEVED']);
  });

  it('does not count a slot as free while its door still stands open after the pickup', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829160000']) });
    const { locationId, parcel } = await givenStoredParcel(deps);
    const pickup = await retrieveParcel(deps, actors.customer, parcel.parcelId, '4829160000');

    // Act
    await openDoorForPickup(deps, parcel, pickup);

    // Assess
    expect(await deps.locations.freeCounts(locationId)).toEqual({ S: 1, M: 0, L: 0 });
  });

  it('refuses a wrong code with INVALID_PICKUP_CODE and counts it', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829130000']) });
    const { parcel } = await givenStoredParcel(deps);

    // Act
    const attempt = retrieveParcel(deps, actors.customer, parcel.parcelId, '1111110000');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_PICKUP_CODE' });
    expect((await deps.parcels.get(parcel.parcelId))?.failedAttempts).toBe(1);
    expect(pickupCommands(deps)).toEqual([]);
  });

  it('locks the parcel after five wrong codes in a row, even against the right code', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829130000']) });
    const { parcel } = await givenStoredParcel(deps);
    await wrongCodes(deps, parcel.parcelId, 5);

    // Act
    const attempt = retrieveParcel(deps, actors.customer, parcel.parcelId, '4829130000');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS', retryAfterSeconds: 900 });
    expect(pickupCommands(deps)).toEqual([]);
  });

  it('accepts the right code again once the 15-minute lock has passed', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829130000']) });
    const { parcel } = await givenStoredParcel(deps);
    await wrongCodes(deps, parcel.parcelId, 5);
    deps.clock.advanceMinutes(15);

    // Act
    const result = await retrieveParcel(deps, actors.customer, parcel.parcelId, '4829130000');

    // Assess
    expect(result.status).toBe('COLLECTING');
  });

  it('counts concurrent wrong codes without losing any', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829130000']) });
    const { parcel } = await givenStoredParcel(deps);

    // Act
    await Promise.allSettled(Array.from({ length: 4 }, () => retrieveParcel(deps, actors.customer, parcel.parcelId, '0000000000')));

    // Assess
    expect((await deps.parcels.get(parcel.parcelId))?.failedAttempts).toBe(4);
  });

  it('answers not found to another customer, without confirming the parcel exists', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829130000']) });
    const { parcel } = await givenStoredParcel(deps);

    // Act
    const attempt = retrieveParcel(deps, actors.otherCustomer, parcel.parcelId, '4829130000');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'PARCEL_NOT_FOUND' });
    expect(pickupCommands(deps)).toEqual([]);
  });

  it('answers a pickup repeated while its door has not opened with the same command, written to the door again, without counting it', async () => {
    // Prepare: the first answer was lost, so the owner asks again.
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829130000']) });
    const { parcel } = await givenStoredParcel(deps);
    const first = await retrieveParcel(deps, actors.customer, parcel.parcelId, '4829130000');

    // Act
    const again = await retrieveParcel(deps, actors.customer, parcel.parcelId, '4829130000');

    // Assess
    expect(again).toEqual(first);
    const stored = await deps.parcels.get(parcel.parcelId);
    expect({ status: stored?.status, failedAttempts: stored?.failedAttempts, commandId: stored?.commandId }).toEqual({
      status: 'COLLECTING',
      failedAttempts: 0,
      commandId: first.commandId,
    });
    expect(pickupCommands(deps).map(({ command }) => command.commandId)).toEqual([first.commandId, first.commandId]);
    expect((await slotAt(deps, parcel)).command?.commandId).toBe(first.commandId);
  });

  it('refuses a wrong code while the door is opening with INVALID_STATE, without counting it or commanding the door', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829130000']) });
    const { parcel } = await givenStoredParcel(deps);
    await retrieveParcel(deps, actors.customer, parcel.parcelId, '4829130000');

    // Act
    const attempt = retrieveParcel(deps, actors.customer, parcel.parcelId, '1111111100');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect((await deps.parcels.get(parcel.parcelId))?.failedAttempts).toBe(0);
    expect(pickupCommands(deps)).toHaveLength(1);
  });

  it('refuses a second retrieval with INVALID_STATE, without counting a wrong code', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829130000']) });
    const { parcel } = await givenStoredParcel(deps);
    const pickup = await retrieveParcel(deps, actors.customer, parcel.parcelId, '4829130000');
    await openDoorForPickup(deps, parcel, pickup);

    // Act
    const attempt = retrieveParcel(deps, actors.customer, parcel.parcelId, '4829130000');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect((await deps.parcels.get(parcel.parcelId))?.failedAttempts).toBe(0);
  });

  it('refuses a parcel past its pickup window with PARCEL_EXPIRED even before the sweep ran', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829130000']) });
    const { parcel } = await givenStoredParcel(deps);
    deps.clock.advanceHours(72);

    // Act
    const attempt = retrieveParcel(deps, actors.customer, parcel.parcelId, '4829130000');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'PARCEL_EXPIRED' });
    expect(pickupCommands(deps)).toEqual([]);
  });

  it('refuses a parcel whose deposit door has not closed yet with INVALID_STATE', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829170000']) });
    const { locationId } = await givenLocation(deps, { S: 1 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });

    // Act
    const attempt = retrieveParcel(deps, actors.customer, depositing.parcelId, '4829170000');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect(pickupCommands(deps)).toEqual([]);
  });
});

describe('a pickup racing a cancel', () => {
  it('answers INVALID_STATE, not an internal error, when the carrier cancels between the pickup reading the parcel and its slot', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829130077']) });
    const { parcel } = await givenStoredParcel(deps);
    const getSlot = deps.locations.getSlot.bind(deps.locations);
    deps.locations.getSlot = async (door) => {
      deps.locations.getSlot = getSlot;
      await cancelParcel(deps, actors.carrier, parcel.parcelId);
      return getSlot(door);
    };

    // Act
    const attempt = retrieveParcel(deps, actors.customer, parcel.parcelId, '4829130077');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect(pickupCommands(deps)).toEqual([]);
  });
});

describe('the pickup code', () => {
  it('is shown to the recipient only', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829130000']) });
    const { parcel } = await givenStoredParcel(deps);

    // Act
    const views = await Promise.all([
      getParcel(deps, actors.customer, parcel.parcelId),
      getParcel(deps, actors.carrier, parcel.parcelId),
      getParcel(deps, actors.admin, parcel.parcelId),
    ]);

    // Assess
    expect(views.map((view) => view.pickupCode)).toEqual(['4829130000', undefined, undefined]);
  });

  it('is not shown while the parcel is still DEPOSITING', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829180000']) });
    const { locationId } = await givenLocation(deps, { S: 1 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });

    // Act
    const view = await getParcel(deps, actors.customer, depositing.parcelId);

    // Assess
    expect(view.status).toBe('DEPOSITING');
    expect(view).not.toHaveProperty('pickupCode');
  });

  it('is no longer shown once the parcel is retrieved', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829130000']) });
    const { parcel } = await givenStoredParcel(deps);
    const pickup = await retrieveParcel(deps, actors.customer, parcel.parcelId, '4829130000');
    await openDoorForPickup(deps, parcel, pickup);

    // Act
    const view = await getParcel(deps, actors.customer, parcel.parcelId);

    // Assess
    expect(view).not.toHaveProperty('pickupCode');
    expect(view.status).toBe('RETRIEVED');
  });

  it('can be reissued: the new code works and the old one stops working', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829130000', '7300010000']) });
    const { parcel, locationId } = await givenStoredParcel(deps);

    // Act
    const reissued = await reissuePickupCode(deps, actors.customer, parcel.parcelId);

    // Assess
    expect(reissued).toEqual({ parcelId: parcel.parcelId, pickupCode: '7300010000' });
    await expect(kioskPickup(deps, actors.kiosk(locationId), locationId, '4829130000')).rejects.toMatchObject({ code: 'INVALID_PICKUP_CODE' });
    expect((await kioskPickup(deps, actors.kiosk(locationId), locationId, '7300010000')).status).toBe('COLLECTING');
  });

  it('cannot be reissued while the door is opening for a pickup', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['4829190000', '7300020000']) });
    const { parcel } = await givenStoredParcel(deps);
    await retrieveParcel(deps, actors.customer, parcel.parcelId, '4829190000');

    // Act
    const attempt = reissuePickupCode(deps, actors.customer, parcel.parcelId);

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });
});

describe('picking up at a kiosk', () => {
  it('finds the parcel from the code alone and commands its door open', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['5551230000']) });
    const { parcel, locationId } = await givenStoredParcel(deps);

    // Act
    const result = await kioskPickup(deps, actors.kiosk(locationId), locationId, '5551230000');

    // Assess
    expect(result).toEqual({ parcelId: parcel.parcelId, status: 'COLLECTING', lockerId: 'A', slotId: parcel.slotId, commandId: expect.any(String) });
    expect(pickupCommands(deps).map(({ door, command }) => [doorOf(door), command.commandId])).toEqual([[doorOf(parcel), result.commandId]]);
  });

  it('hands over the parcel when the door opens', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['5551280000']) });
    const { parcel, locationId } = await givenStoredParcel(deps);
    const pickup = await kioskPickup(deps, actors.kiosk(locationId), locationId, '5551280000');

    // Act
    await openDoorForPickup(deps, parcel, pickup);

    // Assess
    expect((await deps.parcels.get(parcel.parcelId))?.status).toBe('RETRIEVED');
    await expect(kioskPickup(deps, actors.kiosk(locationId), locationId, '5551280000')).rejects.toMatchObject({ code: 'INVALID_PICKUP_CODE' });
  });

  it('answers a code typed again before the door opened with the same command, written to the door again', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['5551290000']) });
    const { locationId } = await givenStoredParcel(deps);
    const kiosk = actors.kiosk(locationId);
    const first = await kioskPickup(deps, kiosk, locationId, '5551290000');

    // Act
    const again = await kioskPickup(deps, kiosk, locationId, '5551290000');

    // Assess
    expect(again).toEqual(first);
    expect(pickupCommands(deps).map(({ command }) => command.commandId)).toEqual([first.commandId, first.commandId]);
  });

  it('refuses a kiosk of another location', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['5551240000']) });
    const { locationId } = await givenStoredParcel(deps);

    // Act
    const attempt = kioskPickup(deps, actors.kiosk('elsewhere'), locationId, '5551240000');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('does not accept a code from another location', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['5551250000']) });
    await givenStoredParcel(deps);
    const { locationId: otherLocation } = await givenLocation(deps, { S: 1 });

    // Act
    const attempt = kioskPickup(deps, actors.kiosk(otherLocation), otherLocation, '5551250000');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_PICKUP_CODE' });
  });

  it('logs a door it could not command by the parcel and the error, never the code typed', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['5551260000']) });
    const { parcel, locationId } = await givenStoredParcel(deps);
    deps.doors.failNextCommand = true;

    // Act
    const attempt = kioskPickup(deps, actors.kiosk(locationId), locationId, '5551260000');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'TRY_AGAIN' });
    expect(deps.logger.entries).toEqual([
      { level: 'warn', message: 'Could not command a door for a pickup', fields: { parcelId: parcel.parcelId, error: 'TimeoutError' } },
    ]);
    expect(JSON.stringify(deps.logger.entries)).not.toContain('5551260000');
  });
});
