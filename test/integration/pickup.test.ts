import { beforeAll, describe, expect, it } from 'vitest';
import { keys } from '#shared/adapters/dynamodb/keys';
import { getParcel, kioskPickup, reissuePickupCode, retrieveParcel } from '#shared/use-cases/parcels';
import { storeParcel } from '#shared/use-cases/store-parcel';
import { createTestTable, type TestTable } from '#test/helpers/dynamodb';
import { actors, buildDeps, itemsUnder, ScriptedCodes, type TestDeps } from '#test/helpers/deps';
import { givenLocation } from '#test/helpers/fixtures';

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});

async function givenStoredParcel(deps: TestDeps) {
  const { locationId } = await givenLocation(deps, { S: 2 });
  const parcel = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
  return { locationId, parcel };
}

const wrongCodes = (deps: TestDeps, parcelId: string, times: number) =>
  Array.from({ length: times }).reduce<Promise<unknown>>(
    (previous) => previous.then(() => retrieveParcel(deps, actors.customer, parcelId, '000000').catch((error: unknown) => error)),
    Promise.resolve(),
  );

describe('retrieving a parcel in the app', () => {
  it('marks it RETRIEVED, frees the slot and retires the code in one change', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['482913']) });
    const { locationId, parcel } = await givenStoredParcel(deps);

    // Act
    const result = await retrieveParcel(deps, actors.customer, parcel.parcelId, '482913');

    // Assess
    expect(result).toEqual({ parcelId: parcel.parcelId, status: 'RETRIEVED', lockerId: 'A', slotId: parcel.slotId });
    const layout = await deps.locations.layout(locationId);
    expect(layout.lockers[0]?.slots.find((slot) => slot.slotId === parcel.slotId)).toEqual({
      locationId,
      lockerId: 'A',
      slotId: parcel.slotId,
      size: 'S',
      status: 'FREE',
    });
    expect(await deps.parcels.findByPickupCode(locationId, deps.vault.hash(locationId, '482913'))).toBeUndefined();
    const events = (await itemsUnder(deps, table.tableName, keys.parcel(parcel.parcelId).PK)).filter((item) => item.entity === 'EVENT');
    expect(events.map((event) => event.type)).toEqual(['PARCEL_STORED', 'PARCEL_RETRIEVED']);
  });

  it('refuses a wrong code with INVALID_PICKUP_CODE and counts it', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['482913']) });
    const { parcel } = await givenStoredParcel(deps);

    // Act
    const attempt = retrieveParcel(deps, actors.customer, parcel.parcelId, '111111');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_PICKUP_CODE' });
    expect((await deps.parcels.get(parcel.parcelId))?.failedAttempts).toBe(1);
  });

  it('locks the parcel after five wrong codes in a row, even against the right code', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['482913']) });
    const { parcel } = await givenStoredParcel(deps);
    await wrongCodes(deps, parcel.parcelId, 5);

    // Act
    const attempt = retrieveParcel(deps, actors.customer, parcel.parcelId, '482913');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS', retryAfterSeconds: 900 });
  });

  it('accepts the right code again once the 15-minute lock has passed', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['482913']) });
    const { parcel } = await givenStoredParcel(deps);
    await wrongCodes(deps, parcel.parcelId, 5);
    deps.clock.advanceMinutes(15);

    // Act
    const result = await retrieveParcel(deps, actors.customer, parcel.parcelId, '482913');

    // Assess
    expect(result.status).toBe('RETRIEVED');
  });

  it('counts concurrent wrong codes without losing any', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['482913']) });
    const { parcel } = await givenStoredParcel(deps);

    // Act
    await Promise.allSettled(Array.from({ length: 4 }, () => retrieveParcel(deps, actors.customer, parcel.parcelId, '000000')));

    // Assess
    expect((await deps.parcels.get(parcel.parcelId))?.failedAttempts).toBe(4);
  });

  it('answers not found to another customer, without confirming the parcel exists', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['482913']) });
    const { parcel } = await givenStoredParcel(deps);

    // Act
    const attempt = retrieveParcel(deps, actors.otherCustomer, parcel.parcelId, '482913');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'PARCEL_NOT_FOUND' });
  });

  it('refuses a second retrieval with INVALID_STATE', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['482913']) });
    const { parcel } = await givenStoredParcel(deps);
    await retrieveParcel(deps, actors.customer, parcel.parcelId, '482913');

    // Act
    const attempt = retrieveParcel(deps, actors.customer, parcel.parcelId, '482913');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });

  it('refuses a parcel past its pickup window with PARCEL_EXPIRED even before the sweep ran', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['482913']) });
    const { parcel } = await givenStoredParcel(deps);
    deps.clock.advanceHours(72);

    // Act
    const attempt = retrieveParcel(deps, actors.customer, parcel.parcelId, '482913');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'PARCEL_EXPIRED' });
  });
});

describe('the pickup code', () => {
  it('is shown to the recipient only', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['482913']) });
    const { parcel } = await givenStoredParcel(deps);

    // Act
    const views = await Promise.all([
      getParcel(deps, actors.customer, parcel.parcelId),
      getParcel(deps, actors.carrier, parcel.parcelId),
      getParcel(deps, actors.admin, parcel.parcelId),
    ]);

    // Assess
    expect(views.map((view) => view.pickupCode)).toEqual(['482913', undefined, undefined]);
  });

  it('is no longer shown once the parcel is retrieved', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['482913']) });
    const { parcel } = await givenStoredParcel(deps);
    await retrieveParcel(deps, actors.customer, parcel.parcelId, '482913');

    // Act
    const view = await getParcel(deps, actors.customer, parcel.parcelId);

    // Assess
    expect(view).not.toHaveProperty('pickupCode');
    expect(view.status).toBe('RETRIEVED');
  });

  it('can be reissued: the new code works and the old one stops working', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['482913', '730001']) });
    const { parcel, locationId } = await givenStoredParcel(deps);

    // Act
    const reissued = await reissuePickupCode(deps, actors.customer, parcel.parcelId);

    // Assess
    expect(reissued).toEqual({ parcelId: parcel.parcelId, pickupCode: '730001' });
    await expect(kioskPickup(deps, actors.kiosk(locationId), locationId, '482913')).rejects.toMatchObject({ code: 'INVALID_PICKUP_CODE' });
    expect((await kioskPickup(deps, actors.kiosk(locationId), locationId, '730001')).status).toBe('RETRIEVED');
  });
});

describe('picking up at a kiosk', () => {
  it('finds the parcel from the code alone and retrieves it', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['555123']) });
    const { parcel, locationId } = await givenStoredParcel(deps);

    // Act
    const result = await kioskPickup(deps, actors.kiosk(locationId), locationId, '555123');

    // Assess
    expect(result).toEqual({ parcelId: parcel.parcelId, status: 'RETRIEVED', lockerId: 'A', slotId: parcel.slotId });
  });

  it('refuses a kiosk of another location', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['555124']) });
    const { locationId } = await givenStoredParcel(deps);

    // Act
    const attempt = kioskPickup(deps, actors.kiosk('elsewhere'), locationId, '555124');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('does not accept a code from another location', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['555125']) });
    await givenStoredParcel(deps);
    const { locationId: otherLocation } = await givenLocation(deps, { S: 1 });

    // Act
    const attempt = kioskPickup(deps, actors.kiosk(otherLocation), otherLocation, '555125');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_PICKUP_CODE' });
  });

  it('throttles a location after 10 wrong codes within 15 minutes, even for a right code', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['555126']) });
    const { locationId } = await givenStoredParcel(deps);
    const kiosk = actors.kiosk(locationId);
    for (let i = 0; i < 10; i++) await kioskPickup(deps, kiosk, locationId, String(100000 + i)).catch(() => undefined);

    // Act
    const attempt = kioskPickup(deps, kiosk, locationId, '555126');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
  });

  it('lets the location try again once the wrong codes are older than 15 minutes', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['555127']) });
    const { locationId } = await givenStoredParcel(deps);
    const kiosk = actors.kiosk(locationId);
    for (let i = 0; i < 10; i++) await kioskPickup(deps, kiosk, locationId, String(200000 + i)).catch(() => undefined);
    deps.clock.advanceMinutes(16);

    // Act
    const result = await kioskPickup(deps, kiosk, locationId, '555127');

    // Assess
    expect(result.status).toBe('RETRIEVED');
  });
});
