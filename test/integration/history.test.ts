import type { DynamoDBClient} from '@aws-sdk/client-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { toParcel } from '#shared/adapters/dynamodb/entities/parcel';
import { toSlot } from '#shared/adapters/dynamodb/entities/slot';
import { createLocalDynamoDbClient } from '#infra/local/dynamodb-local';
import type { Actor } from '#shared/domain/actor';
import { toErrorResponse } from '#shared/http/errors';
import { canTransition, parcelStatuses, type ParcelStatus } from '#shared/domain/parcel';
import { statusOf, type Slot } from '#shared/domain/slot';
import type { StoredParcel } from '#shared/ports';
import { cancelParcel } from '#shared/use-cases/release-parcel';
import { doorTimeouts } from '#shared/use-cases/door-timeouts';
import { expireParcels } from '#shared/use-cases/expire-parcels';
import { kioskPickup } from '#shared/use-cases/kiosk-pickup';
import { reissuePickupCode } from '#shared/use-cases/reissue-code';
import { retrieveParcel } from '#shared/use-cases/retrieve-parcel';
import { storeParcel } from '#shared/use-cases/store-parcel';
import { createTestTable, type TestTable } from '#test/helpers/dynamodb';
import { actors, buildDeps, type TestDeps } from '#test/helpers/deps';
import { closeDoor, cycle, doorOf, openDoorForPickup, reportInTurn } from '#test/helpers/doors';
import { givenLocation } from '#test/helpers/fixtures';

/**
 * A randomized history: a mixed workload of stores (with Idempotency-Keys, retried as a carrier
 * would after an error), door cycles, pickups in the app and at the kiosk, wrong codes, reissues,
 * cancels and sweeps, run concurrently against DynamoDB Local while an SDK middleware injects
 * faults (throttling, transaction conflicts, and timeouts after the write committed). The run is
 * then checked against the invariants that must hold whatever interleaving and faults happened.
 * Seeds are fixed, so a failure is reproducible: the message names the seed.
 */

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});

/** mulberry32: a small seeded PRNG, so each run's choices and faults repeat exactly. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface FaultLog {
  throttled: number;
  conflicts: number;
  lostResponses: number;
}

const writes = new Set(['TransactWriteItemsCommand', 'UpdateItemCommand', 'PutItemCommand', 'DeleteItemCommand']);

/**
 * Faults inside the SDK's retry loop (deserialize step), as a real service fault would arrive:
 * throttling before the request is sent (the SDK retries it), a TransactionConflict (nothing
 * written; the SDK does not retry it) and a timeout after the write committed (the SDK retries
 * a request whose first attempt already took effect).
 */
function injectFaults(client: DynamoDBClient, random: () => number, log: FaultLog): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '';
      const roll = random();
      if (roll < 0.04) {
        log.throttled += 1;
        throw Object.assign(new Error('Injected throttling'), { name: 'ThrottlingException', $fault: 'client', $metadata: {} });
      }
      if (name === 'TransactWriteItemsCommand' && roll < 0.07) {
        log.conflicts += 1;
        const items = ((args.input as { TransactItems?: unknown[] }).TransactItems ?? []).length;
        throw new TransactionCanceledException({
          message: 'Injected conflict',
          $metadata: {},
          CancellationReasons: Array.from({ length: items }, () => ({ Code: 'TransactionConflict' })),
        });
      }
      if (writes.has(name) && roll < 0.1) {
        log.lostResponses += 1;
        await next(args);
        throw Object.assign(new Error('Injected timeout after commit'), { name: 'TimeoutError', $fault: 'client', $metadata: {} });
      }
      return next(args);
    },
    { step: 'deserialize', name: 'historyFaults', priority: 'high' },
  );
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly code: string; readonly status: number };

async function attempt(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    // What the caller would be told: the HTTP layer's one mapping of errors to statuses.
    const response = toErrorResponse(error);
    const body = JSON.parse(response.body) as { error: { code: string } };
    return { ok: false, code: body.error.code, status: response.statusCode };
  }
}

interface StoreRecord {
  readonly key: string;
  readonly outcomes: Outcome[];
  parcelId?: string;
}

interface History {
  readonly stores: StoreRecord[];
  /** Successful starts of a pickup (202 COLLECTING), per parcel. */
  readonly pickupsStarted: Map<string, number>;
  readonly errors: Map<string, number>;
}

async function runWorkload(seed: number, operations: number, concurrency: number) {
  const random = prng(seed);
  const faults: FaultLog = { throttled: 0, conflicts: 0, lostResponses: 0 };
  // Set up without faults, then turn them on for the workload.
  const setupDeps = buildDeps(table);
  const { locationId } = await givenLocation(setupDeps, { S: 6, M: 4, L: 3 });
  const client = createLocalDynamoDbClient(table.endpoint);
  injectFaults(client, prng(seed ^ 0x5eed), faults);
  const deps = buildDeps(table, { client, clock: setupDeps.clock, doors: setupDeps.doors });

  const history: History = { stores: [], pickupsStarted: new Map(), errors: new Map() };
  const recipients: Actor[] = [actors.customer, actors.otherCustomer];
  const kiosk = actors.kiosk(locationId);
  const pick = <T>(items: readonly T[]): T | undefined => (items.length ? items[Math.floor(random() * items.length)] : undefined);
  const noteError = (outcome: Outcome) => {
    if (!outcome.ok) history.errors.set(outcome.code, (history.errors.get(outcome.code) ?? 0) + 1);
  };
  const parcelsNow = async () => (await scan(deps)).parcels.filter((parcel) => parcel.locationId === locationId);
  const codeOf = (parcel: StoredParcel) => (parcel.sealedPickupCode ? deps.vault.open(parcel.sealedPickupCode) : '0000000000');
  const started = (parcelId: string) => history.pickupsStarted.set(parcelId, (history.pickupsStarted.get(parcelId) ?? 0) + 1);

  const actions: Record<string, (parcels: StoredParcel[]) => Promise<void>> = {
    async store() {
      const record: StoreRecord = { key: `history-${seed}-${history.stores.length}`, outcomes: [] };
      history.stores.push(record);
      const recipient = pick(recipients)!;
      const size = pick(['S', 'M', 'L'] as const)!;
      const send = () => attempt(() => storeParcel(deps, actors.carrier, { locationId, recipientId: recipient.sub, size, idempotencyKey: record.key }));
      // Sometimes the carrier's client gives up waiting and resends while the first is still under way.
      const copies = random() < 0.3 ? 3 : 1;
      // A carrier repeats a request whose answer it did not get (5xx), with the same key.
      for (let tries = 0; tries < 3; tries++) {
        const outcomes = await Promise.all(Array.from({ length: tries === 0 ? copies : 1 }, send));
        record.outcomes.push(...outcomes);
        outcomes.forEach(noteError);
        const answered = outcomes.find((outcome) => outcome.ok);
        if (answered?.ok) record.parcelId = (answered.value as { parcelId: string }).parcelId;
        if (outcomes.some((outcome) => outcome.ok || (outcome.status < 500))) break;
      }
    },
    async deposit(parcels) {
      const parcel = pick(parcels.filter((p) => p.status === 'DEPOSITING' && p.commandId));
      if (parcel) await attempt(() => reportInTurn(deps, doorOf(parcel), cycle(parcel.commandId!))).then(noteError);
    },
    async retrieve(parcels) {
      const parcel = pick(parcels.filter((p) => p.status === 'STORED'));
      if (!parcel) return;
      const owner = recipients.find((r) => r.sub === parcel.recipientId)!;
      const outcome = await attempt(() => retrieveParcel(deps, owner, parcel.parcelId, codeOf(parcel)));
      noteError(outcome);
      if (outcome.ok) started(parcel.parcelId);
    },
    async kiosk(parcels) {
      const parcel = pick(parcels.filter((p) => p.status === 'STORED'));
      if (!parcel) return;
      const outcome = await attempt(() => kioskPickup(deps, kiosk, locationId, codeOf(parcel)));
      noteError(outcome);
      if (outcome.ok) started((outcome.value as { parcelId: string }).parcelId);
    },
    async wrongCode(parcels) {
      const parcel = pick(parcels.filter((p) => p.status === 'STORED'));
      if (!parcel) return;
      const owner = recipients.find((r) => r.sub === parcel.recipientId)!;
      const wrong = String((Number(codeOf(parcel)) + 1) % 10 ** codeOf(parcel).length).padStart(codeOf(parcel).length, '0');
      await attempt(() => retrieveParcel(deps, owner, parcel.parcelId, wrong)).then(noteError);
    },
    async openDoor(parcels) {
      const parcel = pick(parcels.filter((p) => p.status === 'COLLECTING' && p.commandId));
      if (parcel) await attempt(() => openDoorForPickup(deps, doorOf(parcel), { commandId: parcel.commandId! })).then(noteError);
    },
    async closeDoor() {
      const { slots } = await scan(deps);
      const slot = pick(slots.filter((s) => s.locationId === locationId && s.door?.door === 'OPEN' && s.door.lastCommandId));
      if (slot) await attempt(() => closeDoor(deps, doorOf(slot), { commandId: slot.door!.lastCommandId! })).then(noteError);
    },
    async reissue(parcels) {
      const parcel = pick(parcels.filter((p) => p.status === 'STORED'));
      if (!parcel) return;
      const owner = recipients.find((r) => r.sub === parcel.recipientId)!;
      await attempt(() => reissuePickupCode(deps, owner, parcel.parcelId)).then(noteError);
    },
    async cancel(parcels) {
      const parcel = pick(parcels.filter((p) => p.status === 'STORED' || p.status === 'DEPOSITING'));
      if (parcel) await attempt(() => cancelParcel(deps, actors.carrier, parcel.parcelId)).then(noteError);
    },
    async sweep() {
      await attempt(() => doorTimeouts(deps)).then(noteError);
    },
  };
  const weights: [string, number][] = [
    ['store', 4], ['deposit', 5], ['retrieve', 3], ['kiosk', 3], ['wrongCode', 1],
    ['openDoor', 5], ['closeDoor', 5], ['reissue', 1], ['cancel', 1], ['sweep', 1],
  ];
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
  const choose = () => {
    let roll = random() * total;
    for (const [name, weight] of weights) if ((roll -= weight) < 0) return name;
    return 'store';
  };

  let remaining = operations;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (remaining-- > 0) {
        const name = choose();
        await actions[name]!(await parcelsNow());
      }
    }),
  );
  // Time passes: unanswered door commands time out, and uncollected parcels expire.
  deps.clock.advanceMinutes(5);
  await attempt(() => doorTimeouts(setupDeps)).then(noteError);
  deps.clock.advanceHours(80);
  await attempt(() => expireParcels(setupDeps)).then(noteError);
  return { deps: setupDeps, locationId, history, faults };
}

async function scan(deps: TestDeps) {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.documentClient.send(new ScanCommand({ TableName: deps.tableName, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  const parcels = items.filter((item) => String(item.PK).startsWith('PARCEL#') && item.SK === 'META').map(toParcel);
  const slots = items.filter((item) => String(item.SK).startsWith('SLOT#')).map(toSlot);
  const events = items.filter((item) => String(item.SK).startsWith('EVT#') && String(item.PK).startsWith('PARCEL#'));
  return { parcels, slots, events };
}

/** Statuses in which a parcel is (or is about to be) behind a door of its own. */
const holdsSlot: readonly ParcelStatus[] = ['DEPOSITING', 'STORED', 'COLLECTING', 'EXPIRED'];

async function assertInvariants(run: Awaited<ReturnType<typeof runWorkload>>, seed: number) {
  const { deps, locationId, history } = run;
  const { parcels: all, slots: allSlots, events } = await scan(deps);
  const parcels = all.filter((parcel) => parcel.locationId === locationId);
  const slots = allSlots.filter((slot) => slot.locationId === locationId);
  const where = `seed ${seed}`;
  const slotOf = (parcel: StoredParcel): Slot | undefined =>
    slots.find((slot) => slot.lockerId === parcel.lockerId && slot.slotId === parcel.slotId);

  // No slot holds two parcels.
  for (const slot of slots) {
    const holders = parcels.filter((parcel) => holdsSlot.includes(parcel.status) && slotOf(parcel) === slot);
    expect(holders.length, `${where}: slot ${slot.slotId} holds ${holders.map((p) => p.parcelId).join(', ')}`).toBeLessThanOrEqual(1);
  }
  // Every active parcel's slot is occupied by it.
  for (const parcel of parcels.filter((p) => holdsSlot.includes(p.status))) {
    const slot = slotOf(parcel);
    expect(slot?.parcelId, `${where}: ${parcel.status} parcel ${parcel.parcelId} is not in its slot`).toBe(parcel.parcelId);
    expect(slot?.occupancy, `${where}: slot of ${parcel.parcelId}`).toBe('OCCUPIED');
  }
  // An occupied slot holds a parcel that is there.
  for (const slot of slots.filter((s) => s.parcelId)) {
    const parcel = parcels.find((p) => p.parcelId === slot.parcelId);
    expect(parcel && holdsSlot.includes(parcel.status) && slotOf(parcel) === slot, `${where}: slot ${slot.slotId} points at ${slot.parcelId} (${parcel?.status})`).toBe(true);
  }
  // Free counts agree with the slots.
  const counted = await deps.locations.freeCounts(locationId);
  const expected = { S: 0, M: 0, L: 0 };
  for (const slot of slots) if (statusOf(slot) === 'FREE') expected[slot.size] += 1;
  expect(counted, `${where}: free counts`).toEqual(expected);

  // No idempotent retry created two parcels, and no parcel is lost: every key that was answered
  // with a parcel has exactly that one, and a key answered only with refusals has none.
  for (const record of history.stores) {
    const withKey = parcels.filter((parcel) => parcel.idempotencyKey === record.key);
    expect(withKey.length, `${where}: key ${record.key} has ${withKey.length} parcels`).toBeLessThanOrEqual(1);
    const answered = record.outcomes.filter((outcome) => outcome.ok);
    if (answered.length > 0) {
      expect(withKey[0]?.parcelId, `${where}: key ${record.key} answered ${record.parcelId}`).toBe(record.parcelId);
      for (const outcome of answered) expect((outcome.value as { parcelId: string }).parcelId).toBe(record.parcelId);
    }
    // A request for a key that did store must never be told it was refused (only "unknown", a 5xx).
    if (withKey.length === 1) {
      const refusals = record.outcomes.filter((outcome) => !outcome.ok && outcome.status < 500);
      expect(refusals.map((outcome) => (outcome.ok ? '' : outcome.code)), `${where}: key ${record.key} stored ${withKey[0]!.parcelId} but a copy was refused`).toEqual([]);
    }
    const refusedOnly = record.outcomes.every((outcome) => !outcome.ok && outcome.status < 500);
    if (refusedOnly) expect(withKey, `${where}: key ${record.key} was refused (${record.outcomes.map((o) => (o.ok ? 'ok' : o.code)).join(',')}) yet stored`).toEqual([]);
  }
  const keys = new Set(history.stores.map((record) => record.key));
  for (const parcel of parcels) expect(keys.has(parcel.idempotencyKey ?? ''), `${where}: parcel ${parcel.parcelId} from no request`).toBe(true);

  // No parcel collected twice, and each parcel's trail is a path through the lifecycle ending where it is.
  for (const parcel of parcels) {
    const trail = events
      .filter((event) => event.PK === `PARCEL#${parcel.parcelId}` && parcelStatuses.includes(event.to as ParcelStatus))
      .sort((a, b) => String(a.SK).localeCompare(String(b.SK)));
    expect(trail.filter((event) => event.type === 'PARCEL_RETRIEVED').length, `${where}: ${parcel.parcelId} retrieved twice`).toBeLessThanOrEqual(1);
    expect(trail[0]?.to, `${where}: ${parcel.parcelId} trail starts`).toBe('DEPOSITING');
    for (let index = 1; index < trail.length; index++) {
      const from = trail[index - 1]!.to as ParcelStatus;
      const to = trail[index]!.to as ParcelStatus;
      expect(canTransition(from, to), `${where}: ${parcel.parcelId} trail ${from} → ${to}`).toBe(true);
    }
    expect(trail.at(-1)?.to, `${where}: ${parcel.parcelId} trail ends`).toBe(parcel.status);
  }
}

describe('a randomized history with injected faults', () => {
  for (const seed of [1, 2, 3]) {
    it(`keeps every invariant over a mixed concurrent workload (seed ${seed})`, async () => {
      // Prepare + act
      const run = await runWorkload(seed, 120, 8);

      // Assess
      expect(run.faults.throttled + run.faults.conflicts + run.faults.lostResponses, 'faults were injected').toBeGreaterThan(10);
      expect(run.history.stores.some((record) => record.parcelId), 'some stores succeeded').toBe(true);
      // Every answer is true: an outcome the service cannot know is a 503 TRY_AGAIN, never a bare 500.
      expect(run.history.errors.get('INTERNAL_ERROR') ?? 0, `seed ${seed}: answers ${JSON.stringify([...run.history.errors])}`).toBe(0);
      await assertInvariants(run, seed);
    }, 120_000);
  }
});
