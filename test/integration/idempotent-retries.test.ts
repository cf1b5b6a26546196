import { beforeAll, describe, expect, it } from 'vitest';
import { storeParcel } from '#shared/use-cases/store-parcel';
import { setSlotStatus } from '#shared/use-cases/set-slot-status';
import { createTestTable, type TestTable } from '#test/helpers/dynamodb';
import { actors, buildDeps } from '#test/helpers/deps';
import { givenLocation } from '#test/helpers/fixtures';

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});

const trials = 8;
const concurrency = 8;

/** Every slot of the location that holds a parcel. */
const occupiedSlots = async (deps: ReturnType<typeof buildDeps>, locationId: string) =>
  (await deps.locations.layout(locationId)).lockers.flatMap((locker) => locker.slots).filter((slot) => slot.occupancy === 'OCCUPIED');

describe('concurrent retries of one store with one Idempotency-Key', () => {
  it.each([
    ['the last free slot', { S: 1 }],
    ['one of several free slots', { S: 3 }],
  ])('all answer with the one parcel when it takes %s, in every trial', async (_what, slots) => {
    for (let trial = 0; trial < trials; trial++) {
      // Prepare
      const deps = buildDeps(table);
      const { locationId } = await givenLocation(deps, slots);
      const request = { locationId, recipientId: 'customer-1', size: 'S' as const, idempotencyKey: `burst-${locationId}` };

      // Act
      const results = await Promise.allSettled(Array.from({ length: concurrency }, () => storeParcel(deps, actors.carrier, request)));

      // Assess
      const answers = results.map((result) => (result.status === 'fulfilled' ? result.value.parcelId : (result.reason as { code?: string }).code));
      const occupied = await occupiedSlots(deps, locationId);
      expect({ answers, occupied: occupied.length }).toEqual({ answers: Array.from({ length: concurrency }, () => occupied[0]?.parcelId), occupied: 1 });
    }
  });

  it('all answer with the one parcel when the body names the parcel id, in every trial', async () => {
    for (let trial = 0; trial < trials; trial++) {
      // Prepare
      const deps = buildDeps(table);
      const { locationId } = await givenLocation(deps, { S: 2 });
      const parcelId = `parcel-burst-${trial}-${Date.now()}`;
      const request = { parcelId, locationId, recipientId: 'customer-1', size: 'S' as const, idempotencyKey: `named-${locationId}` };

      // Act
      const results = await Promise.allSettled(Array.from({ length: concurrency }, () => storeParcel(deps, actors.carrier, request)));

      // Assess
      const answers = results.map((result) => (result.status === 'fulfilled' ? result.value.parcelId : (result.reason as { code?: string }).code));
      expect(answers).toEqual(Array.from({ length: concurrency }, () => parcelId));
      expect(await occupiedSlots(deps, locationId)).toHaveLength(1);
    }
  });
});

describe('a refused store under an Idempotency-Key', () => {
  it('gives the same refusal to a copy that finds a slot freed a moment later, and is tried afresh after a minute', async () => {
    // Prepare: the only slot is out of service, so the first copy is refused.
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const door = { locationId, lockerId: 'A', slotId: '01' };
    await setSlotStatus(deps, actors.admin, door, 'OUT_OF_SERVICE');
    const request = { locationId, recipientId: 'customer-1', size: 'S' as const, idempotencyKey: `refused-${locationId}` };
    const refusedCode = (attempt: Promise<unknown>) => attempt.then(() => 'stored', (error: { code?: string }) => error.code);
    const first = await refusedCode(storeParcel(deps, actors.carrier, request));

    // Act: the slot comes back while a copy of the request is still under way, and again a minute on.
    await setSlotStatus(deps, actors.admin, door, 'FREE');
    deps.clock.advanceSeconds(30);
    const lateCopy = await refusedCode(storeParcel(deps, actors.carrier, request));
    const occupiedAfterCopy = (await occupiedSlots(deps, locationId)).length;
    deps.clock.advanceSeconds(31);
    const retry = await storeParcel(deps, actors.carrier, request);

    // Assess
    expect({ first, lateCopy, occupiedAfterCopy }).toEqual({ first: 'NO_SLOT_AVAILABLE', lateCopy: 'NO_SLOT_AVAILABLE', occupiedAfterCopy: 0 });
    expect((await occupiedSlots(deps, locationId)).map((slot) => slot.parcelId)).toEqual([retry.parcelId]);
  });

  it('answers a copy sent with a different body as a reused key, not with the refusal', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    await setSlotStatus(deps, actors.admin, { locationId, lockerId: 'A', slotId: '01' }, 'OUT_OF_SERVICE');
    const request = { locationId, recipientId: 'customer-1', size: 'S' as const, idempotencyKey: `reused-${locationId}` };
    await expect(storeParcel(deps, actors.carrier, request)).rejects.toMatchObject({ code: 'NO_SLOT_AVAILABLE' });

    // Act
    const other = storeParcel(deps, actors.carrier, { ...request, recipientId: 'customer-2' });

    // Assess
    await expect(other).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });
});
