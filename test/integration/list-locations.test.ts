import { beforeAll, describe, expect, it } from 'vitest';
import { countFree } from '#shared/domain/slot';
import type { LocationSummary } from '#shared/domain/location';
import { listLocations } from '#shared/use-cases/list-locations';
import { setSlotStatus } from '#shared/use-cases/set-slot-status';
import { storeParcel } from '#shared/use-cases/store-parcel';
import { locationFreeShards } from '#shared/adapters/dynamodb/entities/slot';
import { createLocalDynamoDbClient } from '#infra/local/dynamodb-local';
import { createTestTable, type TestTable } from '#test/helpers/dynamodb';
import { actors, buildDeps, type TestDeps } from '#test/helpers/deps';
import { storeThroughDoor } from '#test/helpers/doors';
import { givenLocation } from '#test/helpers/fixtures';

// GET /locations at scale: pages of locations, and their free counts read without one query per location.

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});

async function everyPage(deps: TestDeps, limit: number): Promise<LocationSummary[][]> {
  const pages: LocationSummary[][] = [];
  let cursor: string | undefined;
  do {
    const page = await listLocations(deps, { limit, ...(cursor ? { cursor } : {}) });
    pages.push(page.items);
    cursor = page.cursor;
  } while (cursor);
  return pages;
}

/** Counts the Query calls a client sends. */
function countingQueries(endpoint: string) {
  const client = createLocalDynamoDbClient(endpoint);
  let count = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'QueryCommand') count += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countQueries' },
  );
  return { client, count: () => count, reset: () => (count = 0) };
}

describe('listing locations', () => {
  it('pages through every location once, each with the free counts its slots show', async () => {
    // Prepare: seven locations, some slots claimed, stored or out of service.
    const deps = buildDeps(table);
    const created = [];
    for (const slots of [{ S: 2 }, { M: 1, L: 1 }, { S: 1, M: 1, L: 1 }, { L: 3 }, { S: 4 }, { M: 2 }, { S: 1 }]) {
      created.push(await givenLocation(deps, slots));
    }
    await storeParcel(deps, actors.carrier, { locationId: created[0]!.locationId, recipientId: 'customer-1', size: 'S' });
    await storeThroughDoor(deps, actors.carrier, { locationId: created[2]!.locationId, recipientId: 'customer-1', size: 'M' });
    await setSlotStatus(deps, actors.admin, { locationId: created[3]!.locationId, lockerId: 'A', slotId: '02' }, 'OUT_OF_SERVICE');
    await storeParcel(deps, actors.carrier, { locationId: created[6]!.locationId, recipientId: 'customer-1', size: 'S' });

    // Act
    const pages = await everyPage(deps, 3);

    // Assess
    const listed = pages.flat();
    const expected = await Promise.all(
      created.map(async ({ location }) => {
        const { lockers } = await deps.locations.layout(location.locationId);
        return { ...location, freeSlots: countFree(lockers.flatMap((locker) => locker.slots)) };
      }),
    );
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(listed).toEqual(expected.sort((a, b) => (a.locationId < b.locationId ? -1 : 1)));
    expect(listed.map((location) => location.freeSlots)).toContainEqual({ S: 0, M: 0, L: 0 });
  });

  it('reads a page and its free counts with a fixed number of queries, however many locations it holds', async () => {
    // Prepare: enough locations that one query per location would show.
    const deps = buildDeps(table);
    for (let i = 0; i < 24; i += 1) await givenLocation(deps, { S: 1, L: 1 });
    const queries = countingQueries(table.endpoint);
    const counted = buildDeps(table, { client: queries.client });

    // Act
    const small = await listLocations(counted, { limit: 5 });
    const smallQueries = queries.count();
    queries.reset();
    const large = await listLocations(counted, { limit: 30 });
    const largeQueries = queries.count();

    // Assess: one query for the page, one for the page's lockers (online or not), at most one per free-slot shard for the counts.
    expect(smallQueries).toBeLessThanOrEqual(2 + locationFreeShards);
    expect(largeQueries).toBeLessThanOrEqual(2 + locationFreeShards);
    expect({ small: small.items.length, large: large.items.length }).toEqual({ small: 5, large: 30 });
  });

  it('answers TRY_AGAIN while the table does not exist, as after DynamoDB Local restarted in memory', async () => {
    // Prepare
    const deps = buildDeps({ ...table, tableName: `missing-${Date.now()}` });

    // Act
    const attempt = listLocations(deps, { limit: 5 });

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'UnavailableError', code: 'TRY_AGAIN' });
  });

  it('refuses a cursor that is not from this listing', async () => {
    // Prepare
    const deps = buildDeps(table);
    const cursor = Buffer.from(JSON.stringify({ recipientPk: 'USER#customer-1', recipientSk: 'x', PK: 'PARCEL#p', SK: 'META' })).toString('base64url');

    // Act
    const attempt = listLocations(deps, { limit: 5, cursor });

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});
