import { describe, expect, it } from 'vitest';
import { parcelKey } from '#shared/adapters/dynamodb/entities/parcel';
import { doorShadowName, thingNameOf } from '#shared/domain/door';
import { statusOf } from '#shared/domain/slot';
import type { DoorAddress } from '#shared/ports';
import { doorTimeouts } from '#shared/use-cases/door-timeouts';
import { reconcileDoor, type ShadowDocumentsMessage } from '#shared/use-cases/reconcile-door';
import { retrieveParcel } from '#shared/use-cases/retrieve-parcel';
import { storeParcel } from '#shared/use-cases/store-parcel';
import { createTestTable } from '#test/helpers/dynamodb';
import { actors, buildDeps, CountingMetrics, itemsUnder, ScriptedCodes, type TestDeps } from '#test/helpers/deps';
import { cycle, deliverPending, doorOf, givenLocker, slotAt } from '#test/helpers/doors';
import { givenLocation } from '#test/helpers/fixtures';

/**
 * Many pickups at once while the door-timeouts sweep runs, against DynamoDB Local, as the deployed
 * service meets them: the topic rule hands each shadow document to its own invocation, so
 * documents reach the reconciler concurrently, out of order, some twice and some long after the
 * door moved on (a copy of the deposit's "opened", the pickup's reports after its deadline).
 */
const parcelsInRun = 24;
const concurrency = 16;

/** A small deterministic generator: a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const keyOf = (door: DoorAddress) => `${thingNameOf(door.locationId, door.lockerId)}/${doorShadowName(door.slotId)}`;
const keyOfMessage = (message: ShadowDocumentsMessage) => `${String(message.thingName)}/${String(message.shadowName)}`;

describe('pickups at concurrency 16 while door-timeouts runs', () => {
  it('leave every slot FREE once its parcel is RETRIEVED, with no alarm, whatever order the documents arrive in', async () => {
    // Prepare: parcels stored through their doors, each deposit's documents kept to arrive again later.
    const codes = Array.from({ length: parcelsInRun }, (_, i) => `60${String(i).padStart(2, '0')}000000`);
    const metrics = new CountingMetrics();
    const deps: TestDeps = buildDeps(await createTestTable(), { codes: new ScriptedCodes([...codes]), metrics });
    const { locationId } = await givenLocation(deps, { S: 12 });
    await givenLocker(deps, locationId, 'B', { S: 12 });
    const stored: { parcelId: string; door: DoorAddress; depositOpened: ShadowDocumentsMessage }[] = [];
    for (let i = 0; i < parcelsInRun; i++) {
      const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
      const door = doorOf(depositing);
      await deliverPending(deps);
      const documents: ShadowDocumentsMessage[] = [];
      for (const report of cycle(depositing.commandId!)) {
        documents.push(deps.doors.report(door, report));
        await deliverPending(deps);
      }
      stored.push({ parcelId: depositing.parcelId, door, depositOpened: documents[1]! });
    }
    const next = random(20_261_208);
    // A third of the doors report late: their documents arrive only after the sweep gave their pickup up.
    const lagging = new Set(stored.filter(() => next() < 1 / 3).map(({ door }) => keyOf(door)));
    const held: ShadowDocumentsMessage[] = [];
    const inFlight = new Set<Promise<unknown>>();
    const failures: unknown[] = [];
    const invoke = (message: ShadowDocumentsMessage) => {
      const invocation = new Promise((resolve) => setTimeout(resolve, next() * 20)).then(() => reconcileDoor(deps, message)).catch((error: unknown) => failures.push(error));
      inFlight.add(invocation);
      void invocation.finally(() => inFlight.delete(invocation));
    };
    /** The topic rule: every new document to its own invocation, now or (a lagging door's) later. */
    const route = () => {
      for (const message of deps.doors.take()) {
        if (lagging.has(keyOfMessage(message))) held.push(message);
        else invoke(message);
      }
    };
    const settled = async () => {
      for (let round = 0; round < 10; round++) {
        route();
        if (inFlight.size === 0) return;
        while (inFlight.size > 0) await Promise.all([...inFlight]);
      }
    };

    // Act: 16 workers pick parcels up, each door unlocks, opens, closes and locks, while the sweep runs.
    let sweeping = true;
    const sweeps = (async () => {
      while (sweeping) {
        await doorTimeouts(deps).catch((error: unknown) => failures.push(error));
        route();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    let taken = 0;
    const worker = async () => {
      while (taken < stored.length) {
        const index = taken++;
        const { parcelId, door } = stored[index]!;
        const pickup = await retrieveParcel(deps, actors.customer, parcelId, codes[index]!);
        route();
        for (const report of cycle(pickup.commandId)) {
          deps.doors.report(door, report);
          route();
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    await settled();
    // The lagging doors' deadlines pass and the sweep gives their pickups up; then their documents
    // arrive, shuffled, some twice, with a copy of every deposit's "opened" (a retried invocation).
    deps.clock.advanceSeconds(40);
    await doorTimeouts(deps);
    const late = [...held, ...stored.map(({ depositOpened }) => depositOpened)]
      .flatMap((message) => (next() < 0.3 ? [message, message] : [message]))
      .sort(() => next() - 0.5);
    for (const message of late) invoke(message);
    await settled();
    sweeping = false;
    await sweeps;
    await settled();

    // Assess
    expect(failures).toEqual([]);
    const ends = await Promise.all(
      stored.map(async ({ parcelId, door }) => {
        const slot = await slotAt(deps, door);
        return { parcelId, parcel: (await deps.parcels.get(parcelId))?.status, slot: statusOf(slot), fault: slot.fault };
      }),
    );
    expect(ends.filter(({ parcel, slot }) => parcel !== 'RETRIEVED' || slot !== 'FREE')).toEqual([]);
    expect(await deps.locations.freeCounts(locationId)).toEqual({ S: parcelsInRun, M: 0, L: 0 });
    const retrievedEvents = await Promise.all(
      stored.map(async ({ parcelId }) => (await itemsUnder(deps, deps.tableName, parcelKey(parcelId).PK)).filter((item) => item.type === 'PARCEL_RETRIEVED').length),
    );
    expect(retrievedEvents.every((count) => count === 1)).toBe(true);
    // The race was run: the sweep gave pickups up whose doors had opened.
    expect(metrics.counts.get('DoorCommandTimedOut')).toBeGreaterThan(0);
  }, 180_000);
});
