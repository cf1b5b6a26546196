import { beforeAll, describe, expect, it } from 'vitest';
import { addLocker, createLocation, getLocation, listLocations, removeLocker, setSlotStatus } from '#shared/use-cases/locations';
import { storeParcel } from '#shared/use-cases/store-parcel';
import { createTestTable, type TestTable } from '#test/helpers/dynamodb';
import { actors, buildDeps } from '#test/helpers/deps';
import { givenLocation } from '#test/helpers/fixtures';

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});

describe('locations and lockers', () => {
  it('refuses a location id that is taken', async () => {
    // Prepare
    const deps = buildDeps(table);
    await createLocation(deps, actors.admin, { locationId: 'central', name: 'Central', address: '1 Main St' });

    // Act
    const attempt = createLocation(deps, actors.admin, { locationId: 'central', name: 'Other', address: '2 Main St' });

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'LOCATION_EXISTS' });
  });

  it('numbers a new locker\'s doors small to large, all FREE', async () => {
    // Prepare
    const deps = buildDeps(table);
    const location = await createLocation(deps, actors.admin, { name: 'North', address: '3 North Rd' });

    // Act
    const locker = await addLocker(deps, actors.admin, location.locationId, { lockerId: 'B', slots: { L: 1, S: 2 } });

    // Assess
    expect(locker.slots.map(({ slotId, size, status }) => ({ slotId, size, status }))).toEqual([
      { slotId: '01', size: 'S', status: 'FREE' },
      { slotId: '02', size: 'S', status: 'FREE' },
      { slotId: '03', size: 'L', status: 'FREE' },
    ]);
  });

  it('refuses a locker for an unknown location, writing nothing', async () => {
    // Prepare
    const deps = buildDeps(table);

    // Act
    const attempt = addLocker(deps, actors.admin, 'ghost-town', { lockerId: 'A', slots: { S: 1 } });

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'LOCATION_NOT_FOUND' });
    expect(await deps.locations.layout('ghost-town')).toEqual({ lockers: [] });
  });

  it('shows lockers and slots to admins and carriers, and only free counts to customers', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1, M: 2 });

    // Act
    const [adminView, customerView] = await Promise.all([
      getLocation(deps, actors.admin, locationId),
      getLocation(deps, actors.customer, locationId),
    ]);

    // Assess
    expect(adminView.lockers?.[0]?.slots).toHaveLength(3);
    expect(customerView).not.toHaveProperty('lockers');
    expect(customerView.freeSlots).toEqual({ S: 1, M: 2, L: 0 });
  });

  it('lists every location with its free counts', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { L: 2 });

    // Act
    const locations = await listLocations(deps);

    // Assess
    expect(locations.find((location) => location.locationId === locationId)?.freeSlots).toEqual({ S: 0, M: 0, L: 2 });
  });

  it('refuses to remove a locker that holds a parcel', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 2 });
    await storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' });

    // Act
    const attempt = removeLocker(deps, actors.admin, locationId, 'A');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'LOCKER_NOT_EMPTY' });
    expect((await deps.locations.layout(locationId)).lockers).toHaveLength(1);
  });

  it('removes an empty locker with all its slots', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 2 });

    // Act
    await removeLocker(deps, actors.admin, locationId, 'A');

    // Assess
    expect(await deps.locations.layout(locationId)).toEqual({ lockers: [] });
    expect(await deps.locations.freeCounts(locationId)).toEqual({ S: 0, M: 0, L: 0 });
  });

  it('takes a slot out of service so it is never allocated, and back', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const slot = { locationId, lockerId: 'A', slotId: '01' };

    // Act
    const outOfService = await setSlotStatus(deps, actors.admin, slot, 'OUT_OF_SERVICE');
    const whileOut = storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' });

    // Assess
    expect(outOfService.status).toBe('OUT_OF_SERVICE');
    await expect(whileOut).rejects.toMatchObject({ code: 'NO_SLOT_AVAILABLE' });
    await setSlotStatus(deps, actors.admin, slot, 'FREE');
    expect((await storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' })).slotId).toBe('01');
  });

  it('refuses to change an occupied slot with SLOT_OCCUPIED', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    await storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' });

    // Act
    const attempt = setSlotStatus(deps, actors.admin, { locationId, lockerId: 'A', slotId: '01' }, 'OUT_OF_SERVICE');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'SLOT_OCCUPIED' });
  });

  it('answers SLOT_NOT_FOUND for a slot that does not exist', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });

    // Act
    const attempt = setSlotStatus(deps, actors.admin, { locationId, lockerId: 'A', slotId: '99' }, 'FREE');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'SLOT_NOT_FOUND' });
  });
});
