import { ensureTimeLeft } from '#shared/deadline';
import type { Actor } from '#shared/domain/actor';
import { toCarrierContact, type CarrierContact } from '#shared/domain/contact';
import type { DoorCommand } from '#shared/domain/door';
import { ConflictError, NotFoundError } from '#shared/domain/errors';
import type { SlotAddress, SlotSize } from '#shared/domain/slot';
import type { StoredParcel } from '#shared/ports';
import { auditEvent, type Deps } from './deps.ts';
import { errorName, fittingSlots, prepareCommand, resendCommand, sendDoorEffects, waitingCommand } from './support/doors.ts';
import { pause } from './support/fresh-state.ts';

export interface StoreParcelInput {
  readonly parcelId?: string;
  readonly locationId: string;
  readonly recipientId: string;
  readonly size: SlotSize;
  /** How to tell the recipient while they have no profile of their own (`/me`). */
  readonly recipient?: CarrierContact;
  readonly idempotencyKey?: string;
}

export interface StoreParcelResult {
  readonly parcelId: string;
  readonly status: StoredParcel['status'];
  readonly locationId: string;
  readonly lockerId: string;
  readonly slotId: string;
  readonly slotSize: SlotSize;
  readonly commandId?: string;
  readonly expiresAt?: string;
}

/** Each lost race costs one round trip; past these the caller is better served by a prompt 409. */
const maxClaimAttempts = 20;
const maxCandidateQueries = 3;
const maxCodeDraws = 5;
const idempotencyHours = 24;
/**
 * How long a refusal answers for its key: longer than any copy of the request can still be running
 * (functions stop at 10 s, API Gateway at 29 s), short enough that a carrier retrying the key a
 * minute later, when a slot may have come free, is tried afresh.
 */
const refusalStandsMs = 60_000;

type RefusalCode = 'PARCEL_EXISTS' | 'NO_SLOT_AVAILABLE' | 'LOCKER_OFFLINE';

/**
 * Primary course:
 * 1. Check the recipient's contact, when the carrier gave one; if the carrier sent an
 *    Idempotency-Key already used, answer with that request's parcel.
 * 2. Read the location (its pickup window), or answer LOCATION_NOT_FOUND.
 * 3. Find the free slots that fit in lockers that are online, order them by the allocation
 *    strategy, and shuffle the equally good ones so concurrent stores do not all race for one slot.
 * 4. Claim the first candidate in one transaction: the slot (only while still free) with its door
 *    command, the DEPOSITING parcel (with the recipient's contact), its pickup-code index entry, the
 *    idempotency record and the event.
 * 5. On a lost race, try the next candidate; on a code collision, draw another code; when no
 *    candidate is left, NO_SLOT_AVAILABLE, or LOCKER_OFFLINE when free fitting slots are left but
 *    only in offline lockers (the location is not full: its doors cannot open now).
 * 6. Command the door open (DEPOSIT). The parcel becomes STORED when the door has opened and then
 *    closed and locked (settleDoor); its pickup window starts then.
 * The pickup code is never returned here: only the recipient sees it.
 */
export async function storeParcel(
  deps: Pick<Deps, 'clock' | 'ids' | 'codes' | 'vault' | 'locations' | 'parcels' | 'changes' | 'allocation' | 'metrics' | 'logger' | 'doors' | 'doorTimings'>,
  actor: Actor,
  input: StoreParcelInput,
): Promise<StoreParcelResult> {
  const recipientContact = input.recipient === undefined ? undefined : toCarrierContact(input.recipient);
  const requestHash = fingerprint(input);
  if (input.idempotencyKey) {
    const replay = await replayIdempotent(deps, actor, input.idempotencyKey, requestHash);
    if (replay) return replay;
  }

  const location = await deps.locations.get(input.locationId);
  if (!location) throw new NotFoundError('LOCATION_NOT_FOUND', 'No such location');
  if (input.parcelId && (await deps.parcels.get(input.parcelId))) return refuse('PARCEL_EXISTS', 'A parcel with this id already exists');

  const parcelId = input.parcelId ?? deps.ids.next();
  let attempts = 0;
  let onlyOffline = false;
  for (let query = 0; query < maxCandidateQueries && attempts < maxClaimAttempts; query++) {
    const { candidates, offline } = await fittingSlots(deps, input.locationId, input.size);
    onlyOffline = candidates.length === 0 && offline > 0;
    if (candidates.length === 0) break;
    for (const slot of candidates) {
      if (attempts >= maxClaimAttempts) break;
      const outcome = await claim(slot);
      if (outcome === 'slot-taken') {
        deps.metrics.count('SlotClaimLost');
        continue;
      }
      return outcome;
    }
  }
  if (onlyOffline) return refuse('LOCKER_OFFLINE', 'Every free slot of a fitting size here is in an offline locker: its doors cannot open now');
  return refuse('NO_SLOT_AVAILABLE', 'No free slot of a fitting size at this location');

  /**
   * A concurrent retry of this very request (same key) may have taken the parcel id or the last
   * slot since the key was first looked up: then the carrier's parcel exists, and saying otherwise
   * would tell a carrier whose first response was lost that nothing was stored. The refusal is
   * recorded under the key before it is given, so a copy still under way (which may find a slot
   * freed a moment later) gives the same answer instead of storing after another copy refused.
   */
  async function refuse(code: RefusalCode, message: string): Promise<StoreParcelResult> {
    const key = input.idempotencyKey;
    if (!key) throw new ConflictError(code, message);
    for (let round = 0; round < 3; round++) {
      const replay = await replayIdempotent(deps, actor, key, requestHash);
      if (replay) return replay;
      const now = deps.clock.now();
      const until = new Date(now.getTime() + refusalStandsMs);
      if (await deps.parcels.recordRefusal(actor.sub, key, requestHash, { code, message, until }, now)) break;
    }
    throw new ConflictError(code, message);
  }

  async function claim(slot: SlotAddress): Promise<StoreParcelResult | 'slot-taken'> {
    let codeDraws = 0;
    while (attempts < maxClaimAttempts) {
      // Each claim is one round trip; one begun past the deadline could commit unannounced.
      ensureTimeLeft('The store');
      attempts++;
      const now = deps.clock.now();
      const code = deps.codes.next();
      const command = prepareCommand(deps, 'DEPOSIT', now, parcelId);
      const parcel: StoredParcel = {
        parcelId,
        locationId: slot.locationId,
        lockerId: slot.lockerId,
        slotId: slot.slotId,
        slotSize: slot.size,
        size: input.size,
        recipientId: input.recipientId,
        carrierId: actor.sub,
        status: 'DEPOSITING',
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
        pickupWindowHours: location!.pickupWindowHours,
        commandId: command.record.commandId,
        failedAttempts: 0,
        version: 0,
        pickupCodeHash: deps.vault.hash(slot.locationId, code),
        sealedPickupCode: deps.vault.seal(code),
        ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
        ...(recipientContact ? { recipientContact } : {}),
      };
      const outcome = await deps.changes.commit({
        parcel: { next: parcel },
        claim: { slot, parcelId, command: command.record, deadline: command.deadline },
        ...(input.idempotencyKey
          ? {
              idempotency: {
                ownerSub: actor.sub,
                key: input.idempotencyKey,
                requestHash,
                at: now,
                expiresAt: new Date(now.getTime() + idempotencyHours * 3_600_000),
              },
            }
          : {}),
        events: [
          auditEvent(deps, now, actor, {
            type: 'PARCEL_DEPOSITING',
            locationId: slot.locationId,
            lockerId: slot.lockerId,
            slotId: slot.slotId,
            parcelId,
            to: 'DEPOSITING',
            commandId: command.record.commandId,
          }),
        ],
        // Same claim, same token: DynamoDB treats the SDK's retry of a committed claim as a no-op.
        requestToken: [parcelId, slot.lockerId, slot.slotId, parcel.pickupCodeHash].join('\n'),
      });
      switch (outcome) {
        case 'committed':
          await openForDeposit(slot, command.shadow);
          return resultOf({ ...parcel, version: 1 });
        case 'slot-taken':
          return 'slot-taken';
        case 'code-taken':
          if (++codeDraws >= maxCodeDraws) throw new Error('Could not draw a unique pickup code');
          continue;
        case 'stale':
          await pause(attempts);
          continue;
        case 'parcel-exists': {
          // An earlier attempt of ours may have committed with its response lost: the code hash,
          // drawn afresh for each attempt, tells our own parcel from someone else's.
          const existing = await deps.parcels.get(parcelId);
          if (existing && existing.pickupCodeHash === parcel.pickupCodeHash) return resultOf(existing);
          return refuse('PARCEL_EXISTS', 'A parcel with this id already exists');
        }
        case 'idempotency-key-taken': {
          const replay = await replayIdempotent(deps, actor, input.idempotencyKey!, requestHash);
          if (replay) return replay;
          continue;
        }
      }
    }
    return 'slot-taken';
  }

  async function openForDeposit(slot: SlotAddress, command: DoorCommand) {
    // The parcel is DEPOSITING either way: if the shadow cannot be written now, the command's
    // deadline passes and the door-timeouts schedule moves the parcel to another slot.
    await sendDoorEffects(deps, { command: { door: slot, command } }).catch((error: unknown) =>
      deps.logger.error('Could not command a door for a deposit', { parcelId, error: errorName(error) }),
    );
  }
}

/**
 * The answer to a repeated request: the parcel the key's first request created, as it is now. While
 * it is DEPOSITING and its door has not opened, its command is written into the shadow again: the
 * first answer may have been lost (a 503) before that request commanded the door, and the locker
 * acts on each command id once, so a door already opening does not open twice.
 */
async function replayIdempotent(
  deps: Pick<Deps, 'parcels' | 'locations' | 'doors' | 'clock' | 'logger'>,
  actor: Actor,
  key: string,
  requestHash: string,
): Promise<StoreParcelResult | undefined> {
  const record = await deps.parcels.findIdempotencyRecord(actor.sub, key);
  if (!record) return undefined;
  if (record.requestHash !== requestHash) {
    throw new ConflictError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request');
  }
  if ('refusal' in record) {
    const { refusal } = record;
    if (refusal.until.getTime() <= deps.clock.now().getTime()) return undefined;
    throw new ConflictError(refusal.code as RefusalCode, refusal.message);
  }
  const parcel = await deps.parcels.get(record.parcelId);
  if (!parcel) throw new Error(`Idempotency record points at missing parcel ${record.parcelId}`);
  if (parcel.status === 'DEPOSITING') {
    const door = { locationId: parcel.locationId, lockerId: parcel.lockerId, slotId: parcel.slotId };
    const command = waitingCommand(await deps.locations.getSlot(door), 'DEPOSIT', deps.clock.now(), parcel.commandId);
    // As for the first request: if the shadow cannot be written now, the deadline moves the parcel on.
    if (command) {
      await resendCommand(deps, door, command).catch((error: unknown) =>
        deps.logger.error('Could not command a door again for a deposit', { parcelId: parcel.parcelId, error: errorName(error) }),
      );
    }
  }
  return resultOf(parcel);
}

function resultOf(parcel: StoredParcel): StoreParcelResult {
  const { parcelId, status, locationId, lockerId, slotId, slotSize, expiresAt, commandId } = parcel;
  return { parcelId, status, locationId, lockerId, slotId, slotSize, ...(commandId ? { commandId } : {}), ...(expiresAt ? { expiresAt } : {}) };
}

/**
 * What makes two requests "the same" for idempotency: the body, in a fixed key order. The
 * recipient's contact is added only when given, so a request without one keeps the fingerprint it
 * had before contacts existed (a key used just before a deploy still answers after it).
 */
function fingerprint(input: StoreParcelInput): string {
  const { recipient } = input;
  const contact = recipient === undefined ? [] : [[recipient.email ?? null, recipient.phone ?? null]];
  return JSON.stringify([input.parcelId ?? null, input.locationId, input.recipientId, input.size, ...contact]);
}
