import { hasRole, type Actor } from '#shared/domain/actor';
import { ForbiddenError, NotFoundError, TooManyAttemptsError } from '#shared/domain/errors';
import type { EventType } from '#shared/domain/events';
import {
  assertCollectable,
  assertTransition,
  canHandle,
  canView,
  isOwner,
  isPastPickupWindow,
  type Parcel,
  type ParcelStatus,
} from '#shared/domain/parcel';
import { afterWrongCode, kioskAttemptPolicy, lockedFor } from '#shared/domain/pickup-code';
import type { Page, StoredParcel } from '#shared/ports';
import { auditEvent, type Deps } from './deps.ts';

/** A parcel as callers see it: never the code hash or the sealed code. */
export type ParcelView = Parcel & { readonly pickupCode?: string };

export function viewOf(parcel: StoredParcel): Parcel {
  const {
    parcelId, locationId, lockerId, slotId, slotSize, size, recipientId, carrierId,
    status, createdAt, updatedAt, expiresAt, failedAttempts, lockedUntil,
  } = parcel;
  return {
    parcelId, locationId, lockerId, slotId, slotSize, size, recipientId, carrierId,
    status, createdAt, updatedAt, expiresAt, failedAttempts,
    ...(lockedUntil ? { lockedUntil } : {}),
  };
}

/** Reads a parcel the actor may see; anything else is "not found", so ids cannot be probed. */
async function visibleParcel(
  deps: Pick<Deps, 'parcels'>,
  parcelId: string,
  mayUse: (parcel: StoredParcel) => boolean,
): Promise<StoredParcel> {
  const parcel = await deps.parcels.get(parcelId);
  if (!parcel || !mayUse(parcel)) throw new NotFoundError('PARCEL_NOT_FOUND', 'No such parcel');
  return parcel;
}

/**
 * Primary course:
 * 1. Read the parcel if the actor may see it (admin, its carrier, its recipient).
 * 2. Add the pickup code, decrypted, only for the recipient and only while it can be collected.
 */
export async function getParcel(deps: Pick<Deps, 'parcels' | 'vault' | 'clock'>, actor: Actor, parcelId: string): Promise<ParcelView> {
  const parcel = await visibleParcel(deps, parcelId, (p) => canView(actor, p));
  const showCode =
    isOwner(actor, parcel) && parcel.status === 'STORED' && !isPastPickupWindow(parcel, deps.clock.now()) && parcel.sealedPickupCode;
  return showCode ? { ...viewOf(parcel), pickupCode: deps.vault.open(parcel.sealedPickupCode!) } : viewOf(parcel);
}

export interface ListParcelsQuery {
  readonly locationId?: string;
  readonly limit: number;
  readonly cursor?: string;
}

/**
 * Primary course:
 * 1. Customers get their own parcels (optionally at one location).
 * 2. Admins get every parcel, or one location's.
 */
export async function listParcels(deps: Pick<Deps, 'parcels'>, actor: Actor, query: ListParcelsQuery): Promise<Page<Parcel>> {
  const page = { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) };
  let result: Page<StoredParcel>;
  if (hasRole(actor, 'admin')) {
    result = query.locationId ? await deps.parcels.listByLocation(query.locationId, page) : await deps.parcels.listAll(page);
  } else if (hasRole(actor, 'customer')) {
    result = await deps.parcels.listByRecipient(actor.sub, page, query.locationId ? { locationId: query.locationId } : {});
  } else {
    throw new ForbiddenError('FORBIDDEN', 'Only customers and admins list parcels');
  }
  return { items: result.items.map(viewOf), ...(result.cursor ? { cursor: result.cursor } : {}) };
}

export interface PickupResult {
  readonly parcelId: string;
  readonly status: 'RETRIEVED';
  readonly lockerId: string;
  readonly slotId: string;
}

/** A parcel changed between our read and our write (a concurrent request): read again, this many times. */
const maxStaleRetries = 5;

/**
 * Primary course (the recipient, in the app, at the locker):
 * 1. Read the parcel if the caller is its recipient.
 * 2. Refuse while it is locked by wrong codes, or when it can no longer be collected.
 * 3. Compare the code; a wrong one is counted (the fifth in a row locks the parcel for 15 minutes).
 * 4. Mark it RETRIEVED, free the slot, drop the code and record the event, all at once.
 */
export async function retrieveParcel(
  deps: Pick<Deps, 'parcels' | 'vault' | 'clock' | 'ids' | 'metrics'>,
  actor: Actor,
  parcelId: string,
  pickupCode: string,
): Promise<PickupResult> {
  for (let attempt = 0; attempt < maxStaleRetries; attempt++) {
    const parcel = await visibleParcel(deps, parcelId, (p) => isOwner(actor, p));
    const now = deps.clock.now();
    refuseWhileLocked(parcel, now);
    assertCollectable(parcel, now);
    if (!parcel.pickupCodeHash || !deps.vault.matches(parcel.locationId, pickupCode, parcel.pickupCodeHash)) {
      const recorded = await deps.parcels.recordWrongCode(
        parcel,
        parcel,
        afterWrongCode(parcel, now),
        auditEvent(deps, now, actor, { type: 'PICKUP_CODE_REJECTED', ...placeOf(parcel) }),
      );
      if (!recorded) continue;
      throw new ForbiddenError('INVALID_PICKUP_CODE', 'The pickup code is not valid for this parcel');
    }
    if (await collect(deps, actor, parcel, now)) return pickupResult(parcel);
  }
  throw new Error(`Parcel ${parcelId} kept changing during retrieval`);
}

/**
 * Primary course (a kiosk at the locker, code typed on its screen):
 * 1. A kiosk acts only for its own location.
 * 2. Refuse while the location has seen too many wrong codes lately (10 in 15 minutes).
 * 3. Find the parcel from the code alone; a miss is counted against the location.
 * 4. Refuse a locked or uncollectable parcel; otherwise mark it RETRIEVED as in retrieveParcel.
 */
export async function kioskPickup(
  deps: Pick<Deps, 'parcels' | 'vault' | 'clock' | 'ids' | 'kioskGuard' | 'metrics'>,
  actor: Actor,
  locationId: string,
  pickupCode: string,
): Promise<PickupResult> {
  if (actor.locationId !== locationId) throw new ForbiddenError('FORBIDDEN', 'This kiosk serves another location');
  const windowMs = kioskAttemptPolicy.windowMinutes * 60_000;
  let now = deps.clock.now();
  const failures = await deps.kioskGuard.recentFailures(locationId, new Date(now.getTime() - windowMs), now);
  if (failures >= kioskAttemptPolicy.maxFailures) throw new TooManyAttemptsError(kioskAttemptPolicy.windowMinutes * 60);

  const parcelId = await deps.parcels.findByPickupCode(locationId, deps.vault.hash(locationId, pickupCode));
  let parcel = parcelId ? await deps.parcels.get(parcelId) : undefined;
  if (!parcel || parcel.locationId !== locationId || parcel.status !== 'STORED') {
    await deps.kioskGuard.recordFailure(locationId, now, new Date(now.getTime() + windowMs));
    throw new ForbiddenError('INVALID_PICKUP_CODE', 'No parcel here has this pickup code');
  }
  // The code was right: from here on, a failure is about the parcel's state, never a wrong guess.
  for (let attempt = 0; parcel && attempt < maxStaleRetries; attempt++) {
    now = deps.clock.now();
    refuseWhileLocked(parcel, now);
    assertCollectable(parcel, now);
    if (await collect(deps, actor, parcel, now)) return pickupResult(parcel);
    parcel = await deps.parcels.get(parcel.parcelId);
  }
  throw new Error(`Parcel ${parcelId} kept changing during a kiosk pickup`);
}

function refuseWhileLocked(parcel: StoredParcel, now: Date): void {
  const seconds = lockedFor(parcel, now);
  if (seconds > 0) throw new TooManyAttemptsError(seconds);
}

async function collect(deps: Pick<Deps, 'parcels' | 'ids' | 'metrics'>, actor: Actor, parcel: StoredParcel, now: Date): Promise<boolean> {
  const collected = await deps.parcels.transition({
    parcel,
    to: 'RETRIEVED',
    freeSlot: true,
    at: now,
    event: auditEvent(deps, now, actor, { type: 'PARCEL_RETRIEVED', ...placeOf(parcel), from: parcel.status, to: 'RETRIEVED' }),
  });
  if (collected) deps.metrics.count('ParcelPickedUp');
  return collected;
}

function pickupResult(parcel: StoredParcel): PickupResult {
  return { parcelId: parcel.parcelId, status: 'RETRIEVED', lockerId: parcel.lockerId, slotId: parcel.slotId };
}

function placeOf(parcel: StoredParcel) {
  return { locationId: parcel.locationId, lockerId: parcel.lockerId, slotId: parcel.slotId, parcelId: parcel.parcelId };
}

const maxCodeDraws = 5;

/**
 * Primary course (the recipient lost the code):
 * 1. Read the parcel if the caller is its recipient, and refuse unless it can still be collected.
 * 2. Draw a new code and swap it in atomically: the old code stops working at that instant.
 * 3. Return the new code to the recipient alone.
 */
export async function reissuePickupCode(
  deps: Pick<Deps, 'parcels' | 'vault' | 'clock' | 'ids' | 'codes'>,
  actor: Actor,
  parcelId: string,
): Promise<{ parcelId: string; pickupCode: string }> {
  for (let attempt = 0; attempt < maxStaleRetries + maxCodeDraws; attempt++) {
    const parcel = await visibleParcel(deps, parcelId, (p) => isOwner(actor, p));
    const now = deps.clock.now();
    assertCollectable(parcel, now);
    const code = deps.codes.next();
    const outcome = await deps.parcels.replaceCode(
      parcel,
      { hash: deps.vault.hash(parcel.locationId, code), sealed: deps.vault.seal(code) },
      auditEvent(deps, now, actor, { type: 'PICKUP_CODE_REISSUED', ...placeOf(parcel) }),
    );
    if (outcome === 'replaced') return { parcelId, pickupCode: code };
  }
  throw new Error(`Could not reissue a code for parcel ${parcelId}`);
}

/**
 * Primary course (cancel: STORED → CANCELLED; return: EXPIRED → RETURNED):
 * 1. Read the parcel if the actor handles it (its carrier, or an admin).
 * 2. Refuse a transition the lifecycle does not allow.
 * 3. Change it, free the slot, drop the code and record the event, all at once.
 */
export async function cancelParcel(deps: Pick<Deps, 'parcels' | 'clock' | 'ids'>, actor: Actor, parcelId: string) {
  return releaseParcel(deps, actor, parcelId, 'CANCELLED', 'PARCEL_CANCELLED');
}

export async function returnParcel(deps: Pick<Deps, 'parcels' | 'clock' | 'ids'>, actor: Actor, parcelId: string) {
  return releaseParcel(deps, actor, parcelId, 'RETURNED', 'PARCEL_RETURNED');
}

async function releaseParcel(
  deps: Pick<Deps, 'parcels' | 'clock' | 'ids'>,
  actor: Actor,
  parcelId: string,
  to: Extract<ParcelStatus, 'CANCELLED' | 'RETURNED'>,
  type: EventType,
): Promise<{ parcelId: string; status: ParcelStatus }> {
  for (let attempt = 0; attempt < maxStaleRetries; attempt++) {
    const parcel = await visibleParcel(deps, parcelId, (p) => canHandle(actor, p));
    assertTransition(parcel, to);
    const now = deps.clock.now();
    const changed = await deps.parcels.transition({
      parcel,
      to,
      freeSlot: true,
      at: now,
      event: auditEvent(deps, now, actor, { type, ...placeOf(parcel), from: parcel.status, to }),
    });
    if (changed) return { parcelId, status: to };
  }
  throw new Error(`Parcel ${parcelId} kept changing`);
}

/** Bounds one sweep's work; the next run picks up where this one stopped. */
const sweepBatch = 100;
const maxSweepBatches = 20;

/**
 * Primary course (the scheduled sweep):
 * 1. Find STORED parcels whose pickup window has ended, oldest first.
 * 2. Mark each EXPIRED with its event, conditional on the version read: a parcel collected or
 *    expired by an overlapping run meanwhile is skipped, so running twice expires it once.
 * The slot stays OCCUPIED: the parcel is still inside until a carrier returns it.
 */
export async function expireParcels(deps: Pick<Deps, 'parcels' | 'clock' | 'ids' | 'metrics'>): Promise<{ expired: number }> {
  let expired = 0;
  for (let batch = 0; batch < maxSweepBatches; batch++) {
    const now = deps.clock.now();
    const due = await deps.parcels.dueForExpiry(now, sweepBatch);
    for (const parcel of due) {
      const changed = await deps.parcels.transition({
        parcel,
        to: 'EXPIRED',
        freeSlot: false,
        at: now,
        event: auditEvent(deps, now, 'system', { type: 'PARCEL_EXPIRED', ...placeOf(parcel), from: 'STORED', to: 'EXPIRED' }),
      });
      if (changed) expired++;
    }
    if (due.length < sweepBatch) break;
  }
  if (expired > 0) deps.metrics.count('ParcelExpired', expired);
  return { expired };
}

