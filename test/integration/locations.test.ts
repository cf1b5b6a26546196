import { beforeAll, describe, expect, it } from 'vitest';
import { addLocker } from '#shared/use-cases/add-locker';
import { createLocation } from '#shared/use-cases/create-location';
import { getLocation } from '#shared/use-cases/get-location';
import { listLocations } from '#shared/use-cases/list-locations';
import { removeLocker } from '#shared/use-cases/remove-locker';
import { setSlotStatus } from '#shared/use-cases/set-slot-status';
import { trackPresence } from '#shared/use-cases/track-presence';
import { storeParcel } from '#shared/use-cases/store-parcel';
import { createTestTable, type TestTable } from '#test/helpers/dynamodb';
import { actors, buildDeps } from '#test/helpers/deps';
import { presence, storeThroughDoor } from '#test/helpers/doors';
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

  it('numbers a new locker\'s doors small to large, all FREE, and names its IoT thing', async () => {
    // Prepare
    const deps = buildDeps(table);
    const location = await createLocation(deps, actors.admin, { name: 'North', address: '3 North Rd' });

    // Act
    const locker = await addLocker(deps, actors.admin, location.locationId, { lockerId: 'B', slots: { L: 1, S: 2 } });

    // Assess
    expect(locker.slots.map(({ slotId, size, status, occupancy, service }) => ({ slotId, size, status, occupancy, service }))).toEqual([
      { slotId: '01', size: 'S', status: 'FREE', occupancy: 'FREE', service: 'IN_SERVICE' },
      { slotId: '02', size: 'S', status: 'FREE', occupancy: 'FREE', service: 'IN_SERVICE' },
      { slotId: '03', size: 'L', status: 'FREE', occupancy: 'FREE', service: 'IN_SERVICE' },
    ]);
    expect({ thingName: locker.thingName, slotIds: locker.slotIds }).toEqual({
      thingName: `${location.locationId}:B`,
      slotIds: ['01', '02', '03'],
    });
  });

  it('keeps a new locker offline until its thing connects', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 }, { online: false });
    const offline = await deps.locations.getLocker(locationId, 'A');

    // Act
    const connected = await presence(deps, { locationId, lockerId: 'A' }, true, 1);

    // Assess
    expect({ before: offline?.online, applied: connected.applied, after: (await deps.locations.getLocker(locationId, 'A'))?.online }).toEqual({
      before: false,
      applied: true,
      after: true,
    });
  });

  it('applies lifecycle events in versionNumber order, so a late disconnect never undoes a newer connect', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 }, { online: false });
    const locker = { locationId, lockerId: 'A' };
    await presence(deps, locker, true, 1);
    await presence(deps, locker, true, 2);

    // Act
    const late = await presence(deps, locker, false, 1);

    // Assess
    expect(late).toEqual({ applied: false });
    expect((await deps.locations.getLocker(locationId, 'A'))?.online).toBe(true);
  });

  it('takes a locker offline on the disconnect of its current connection', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });

    // Act
    const disconnected = await presence(deps, { locationId, lockerId: 'A' }, false, 1);

    // Assess
    expect(disconnected).toEqual({ applied: true });
    expect((await deps.locations.getLocker(locationId, 'A'))?.online).toBe(false);
  });

  it('ignores a lifecycle event for a thing that is not one of our lockers', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });

    // Act
    const results = await Promise.all([
      presence(deps, { locationId, lockerId: 'Z' }, true, 5),
      trackPresence(deps, { clientId: 'not-a-locker', eventType: 'connected', timestamp: Date.now(), versionNumber: 5 }),
    ]);

    // Assess
    expect(results).toEqual([{ applied: false }, { applied: false }]);
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

  it('shows admins each locker\'s thing name and online flag, and carriers only the flag', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });

    // Act
    const [adminView, carrierView] = await Promise.all([
      getLocation(deps, actors.admin, locationId),
      getLocation(deps, actors.carrier, locationId),
    ]);

    // Assess
    expect(adminView.lockers?.map(({ lockerId, online, thingName }) => ({ lockerId, online, thingName }))).toEqual([
      { lockerId: 'A', online: true, thingName: `${locationId}:A` },
    ]);
    expect(carrierView.lockers?.map(({ lockerId, online, thingName }) => ({ lockerId, online, thingName }))).toEqual([
      { lockerId: 'A', online: true, thingName: undefined },
    ]);
  });

  it('shows a slot\'s parcel and door command to admins only', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' });

    // Act
    const [adminView, carrierView] = await Promise.all([
      getLocation(deps, actors.admin, locationId),
      getLocation(deps, actors.carrier, locationId),
    ]);

    // Assess
    const base = { locationId, lockerId: 'A', slotId: '01', size: 'S', status: 'OCCUPIED', occupancy: 'OCCUPIED', service: 'IN_SERVICE' };
    expect(adminView.lockers?.[0]?.slots).toEqual([{ ...base, parcelId: depositing.parcelId, commandId: depositing.commandId }]);
    expect(carrierView.lockers?.[0]?.slots).toEqual([base]);
  });

  it('lists every location with its free counts', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { L: 2 });

    // Act
    const { items: locations } = await listLocations(deps, { limit: 100 });

    // Assess
    expect(locations.find((location) => location.locationId === locationId)?.freeSlots).toEqual({ S: 0, M: 0, L: 2 });
  });

  it('refuses to remove a locker whose door is opening for a deposit', async () => {
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

  it('refuses to remove a locker that holds a parcel', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 2 });
    await storeThroughDoor(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' });

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

  it('takes an occupied slot out of service with the parcel inside and the admin\'s note', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const stored = await storeThroughDoor(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' });

    // Act
    const view = await setSlotStatus(deps, actors.admin, { locationId, lockerId: 'A', slotId: '01' }, 'OUT_OF_SERVICE', 'Hinge squeaks');

    // Assess
    expect(view).toMatchObject({
      status: 'OUT_OF_SERVICE',
      occupancy: 'OCCUPIED',
      service: 'OUT_OF_SERVICE',
      fault: 'MAINTENANCE',
      note: 'Hinge squeaks',
      parcelId: stored.parcelId,
    });
  });

  it('returns an occupied slot to service still OCCUPIED', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    await storeThroughDoor(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' });
    const slot = { locationId, lockerId: 'A', slotId: '01' };
    await setSlotStatus(deps, actors.admin, slot, 'OUT_OF_SERVICE');

    // Act
    const view = await setSlotStatus(deps, actors.admin, slot, 'FREE');

    // Assess
    expect({ status: view.status, occupancy: view.occupancy, service: view.service, fault: view.fault }).toEqual({
      status: 'OCCUPIED',
      occupancy: 'OCCUPIED',
      service: 'IN_SERVICE',
      fault: undefined,
    });
  });

  it('refuses FREE for an occupied slot in service with SLOT_OCCUPIED', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    await storeThroughDoor(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' });

    // Act
    const attempt = setSlotStatus(deps, actors.admin, { locationId, lockerId: 'A', slotId: '01' }, 'FREE');

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
