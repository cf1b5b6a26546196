import type { Actor } from '#shared/domain/actor';
import { ConflictError, TooManyAttemptsError, UnavailableError } from '#shared/domain/errors';
import { assertCollectable, transitioned } from '#shared/domain/parcel';
import { lockedFor } from '#shared/domain/pickup-code';
import { settle, withEnded } from '#shared/domain/slot';
import type { StoredParcel } from '#shared/ports';
import { auditEvent, type Deps } from '../deps.ts';
import { errorName, prepareCommand, resendCommand, waitingCommand } from './doors.ts';
import { stale, untilSettled, type Attempt } from './fresh-state.ts';
import { placeOf } from './parcel-view.ts';

export interface PickupResult {
  readonly parcelId: string;
  readonly status: 'COLLECTING';
  readonly lockerId: string;
  readonly slotId: string;
  readonly commandId: string;
}

export type PickupDeps = Pick<Deps, 'parcels' | 'locations' | 'changes' | 'clock' | 'ids' | 'doors' | 'doorTimings' | 'logger'>;

/** The owner's route refuses a locked parcel before comparing codes, so the lock answers right and wrong codes alike. */
export function refuseWhileLocked(parcel: StoredParcel, now: Date): void {
  const seconds = lockedFor(parcel, now);
  if (seconds > 0) throw new TooManyAttemptsError(seconds);
}

/**
 * The right code was given: the door opens. One attempt of "read, decide, write conditionally":
 * 1. Refuse an uncollectable parcel, an offline locker, a slot out of service or busy. The parcel's
 *    lock is the caller's to apply (the owner's route does; the kiosk's budget stands in for it).
 * 2. Mark the parcel COLLECTING and give its slot a PICKUP command, with the event, at once.
 * 3. Write the command into the door's shadow. If that fails, take the command back (the parcel
 *    is STORED again and nothing counts against anyone) and answer TRY_AGAIN.
 * The parcel becomes RETRIEVED when its door reports open (settleDoor).
 */
export async function startPickup(deps: PickupDeps, actor: Actor, parcel: StoredParcel): Attempt<PickupResult> {
  const now = deps.clock.now();
  assertCollectable(parcel, now);
  const [locker, slot] = await Promise.all([deps.locations.getLocker(parcel.locationId, parcel.lockerId), deps.locations.getSlot(parcel)]);
  if (!locker?.online) throw new ConflictError('LOCKER_OFFLINE', 'The locker is offline; its doors cannot open now');
  // The parcel was read before the slot: a cancel (or an expiry) may have let the slot go in
  // between. Read both again; the next round sees the parcel's new state and answers for it.
  if (!slot || slot.parcelId !== parcel.parcelId) return stale;
  if (slot.service === 'OUT_OF_SERVICE') throw new ConflictError('SLOT_OUT_OF_SERVICE', 'The slot is out of service; staff have been alerted');
  if (slot.command) throw new ConflictError('DOOR_BUSY', 'The door is already executing a command');

  const command = prepareCommand(deps, 'PICKUP', now, parcel.parcelId);
  const outcome = await deps.changes.commit({
    parcel: { previous: parcel, next: { ...transitioned(parcel, 'COLLECTING', now), commandId: command.record.commandId } },
    slots: [{ previous: slot, next: settle({ ...slot, command: command.record }, deps.doorTimings) }],
    events: [
      auditEvent(deps, now, actor, { type: 'PARCEL_COLLECTING', ...placeOf(parcel), from: 'STORED', to: 'COLLECTING', commandId: command.record.commandId }),
    ],
  });
  if (outcome !== 'committed') return stale;
  try {
    await deps.doors.command({ locationId: parcel.locationId, lockerId: parcel.lockerId, slotId: parcel.slotId }, command.shadow);
  } catch (error) {
    deps.logger.warn('Could not command a door for a pickup', { parcelId: parcel.parcelId, error: errorName(error) });
    if (await withdraw(deps, parcel.parcelId, command.record.commandId)) {
      throw new UnavailableError('The locker did not take the command; nothing changed, try again');
    }
  }
  return { parcelId: parcel.parcelId, status: 'COLLECTING', lockerId: parcel.lockerId, slotId: parcel.slotId, commandId: command.record.commandId };
}

/**
 * The right code again while the parcel is COLLECTING: most often the caller's first answer was
 * lost (a 503, a dropped connection) after its pickup committed. Rather than leave them waiting
 * for the command to time out, write the same command into the shadow again: the locker acts on
 * each command id once, so a door already opening is not opened twice. Refused as before once the
 * door has opened or the command is about to expire.
 */
export async function resumePickup(deps: PickupDeps, parcel: StoredParcel): Promise<PickupResult> {
  const slot = parcel.status === 'COLLECTING' ? await deps.locations.getSlot(parcel) : undefined;
  const command = waitingCommand(slot, 'PICKUP', deps.clock.now(), parcel.commandId);
  if (!command) throw new ConflictError('INVALID_STATE', 'The parcel is being collected: its door is opening');
  await resendCommand(deps, { locationId: parcel.locationId, lockerId: parcel.lockerId, slotId: parcel.slotId }, command).catch((error: unknown) => {
    deps.logger.warn('Could not command a door again for a pickup', { parcelId: parcel.parcelId, error: errorName(error) });
    throw new UnavailableError('The locker did not take the command; try again');
  });
  return { parcelId: parcel.parcelId, status: 'COLLECTING', lockerId: parcel.lockerId, slotId: parcel.slotId, commandId: command.commandId };
}

/** Takes back a pickup command that never reached the door. @returns false when the door already answered it. */
async function withdraw(deps: PickupDeps, parcelId: string, commandId: string): Promise<boolean> {
  return untilSettled('The parcel', async () => {
    const parcel = await deps.parcels.get(parcelId);
    if (!parcel || parcel.status !== 'COLLECTING' || parcel.commandId !== commandId) return false;
    const slot = await deps.locations.getSlot(parcel);
    if (!slot || slot.command?.commandId !== commandId || slot.command.openedVersion !== undefined) return false;
    const now = deps.clock.now();
    const { command: active, ...rest } = slot;
    const { expiresAt: _deadline, ...ended } = active;
    const outcome = await deps.changes.commit({
      parcel: { previous: parcel, next: transitioned(parcel, 'STORED', now) },
      slots: [{ previous: slot, next: settle(withEnded(rest, { ...ended, outcome: 'FAILED' }), deps.doorTimings) }],
      events: [auditEvent(deps, now, 'system', { type: 'PARCEL_PICKUP_FAILED', ...placeOf(parcel), from: 'COLLECTING', to: 'STORED', commandId })],
    });
    return outcome === 'committed' ? true : stale;
  });
}
