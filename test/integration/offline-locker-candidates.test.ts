import { beforeAll, describe, expect, it, vi } from 'vitest';
import { getLocation } from '#shared/use-cases/get-location';
import { storeParcel } from '#shared/use-cases/store-parcel';
import { createTestTable, type TestTable } from '#test/helpers/dynamodb';
import { actors, buildDeps } from '#test/helpers/deps';
import { givenLocker } from '#test/helpers/doors';
import { givenLocation } from '#test/helpers/fixtures';

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});

// Locker A sorts before B in the free-slot index, so its 30 free S doors come before B's one: more
// than a store reads in one page of candidates.
describe('storing beside an offline locker whose free doors sort first', () => {
  it('stores into the online locker the location shows as free', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 30 }, { online: false });
    await givenLocker(deps, locationId, 'B', { S: 1 });
    const shown = await getLocation(deps, actors.customer, locationId);

    // Act
    const stored = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });

    // Assess
    expect(shown.freeSlots.S).toBe(1);
    expect(stored).toMatchObject({ status: 'DEPOSITING', lockerId: 'B' });
  });

  it('answers LOCKER_OFFLINE once the online locker is full and only the offline one has free doors', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 30 }, { online: false });
    await givenLocker(deps, locationId, 'B', { S: 1 });
    await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });

    // Act
    const attempt = storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ConflictError', code: 'LOCKER_OFFLINE' });
  });

  it('answers NO_SLOT_AVAILABLE when no locker, online or offline, has a fitting free door', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 30 }, { online: false });
    await givenLocker(deps, locationId, 'B', { S: 1 });

    // Act
    const attempt = storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'L' });

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ConflictError', code: 'NO_SLOT_AVAILABLE' });
  });

  it('reads the free slots once when every locker is online, twice when an offline one is in the first page', async () => {
    // Prepare
    const deps = buildDeps(table);
    const online = await givenLocation(deps, { S: 2 });
    const withOffline = await givenLocation(deps, { S: 2 }, { online: false });
    await givenLocker(deps, withOffline.locationId, 'B', { S: 1 });
    const reads = vi.spyOn(deps.locations, 'findFreeSlots');

    // Act
    await storeParcel(deps, actors.carrier, { locationId: online.locationId, recipientId: actors.customer.sub, size: 'S' });
    const onlineReads = reads.mock.calls.length;
    await storeParcel(deps, actors.carrier, { locationId: withOffline.locationId, recipientId: actors.customer.sub, size: 'S' });

    // Assess
    expect(onlineReads).toBe(1);
    expect(reads.mock.calls.slice(1)).toEqual([
      [withOffline.locationId, 'S'],
      [withOffline.locationId, 'S', ['A']],
    ]);
  });
});
