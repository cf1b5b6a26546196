import type { Actor } from '#shared/domain/actor';
import type { EventType } from '#shared/domain/events';
import { assertTransition, canHandle, effectsOf, transitioned, type ParcelStatus } from '#shared/domain/parcel';
import { released, settle, withEnded, type Slot } from '#shared/domain/slot';
import { auditEvent, type Deps } from './deps.ts';
import { sendDoorEffects } from './support/doors.ts';
import { defaultRounds, stale, untilSettled } from './support/fresh-state.ts';
import { placeOf, visibleParcel } from './support/parcel-view.ts';

/**
 * A customer can write a parcel only so often: 5 wrong codes in the app (then it is locked, and
 * refused before any write) and 3 new codes an hour; kiosk guesses never write it. Each such write
 * spoils at most one round of a concurrent cancel or return, so with this many rounds a customer
 * can delay a carrier's or an admin's change but never make it fail.
 */
const handlerRounds = defaultRounds + 6;

type ReleaseDeps = Pick<Deps, 'parcels' | 'locations' | 'changes' | 'clock' | 'ids' | 'doorTimings' | 'logger'> & Partial<Pick<Deps, 'doors'>>;

/**
 * Primary course (cancel: DEPOSITING or STORED → CANCELLED; return: EXPIRED → RETURNED):
 * 1. Read the parcel if the actor handles it (its carrier, or an admin), and its slot.
 * 2. Refuse a transition the lifecycle does not allow.
 * 3. Change the parcel with the transition's effects (drop the code, let the slot go, end a
 *    deposit's door command) and record the event, all at once.
 * 4. Clear the ended command from the door's shadow.
 * A parcel already in the state asked for is answered as done (a repeat after a lost answer is safe).
 */
export async function releaseParcel(
  deps: ReleaseDeps,
  actor: Actor,
  parcelId: string,
  to: Extract<ParcelStatus, 'CANCELLED' | 'RETURNED'>,
  type: EventType,
): Promise<{ parcelId: string; status: ParcelStatus }> {
  const ended = await untilSettled('The parcel', async () => {
    const parcel = await visibleParcel(deps, parcelId, (p) => canHandle(actor, p));
    // Already there: most often this very request repeated after a lost answer (a 503). The state
    // asked for holds, so say so, and finish what the first one may not have: clearing the door.
    if (parcel.status === to) {
      const slot = await deps.locations.getSlot(parcel);
      const ended = slot?.lastCommand?.parcelId === parcel.parcelId && slot.lastCommand.outcome === 'CANCELLED' ? slot.lastCommand.commandId : undefined;
      return { parcel, endedCommand: ended };
    }
    assertTransition(parcel, to);
    const now = deps.clock.now();
    const slot = await deps.locations.getSlot(parcel);
    let next: Slot | undefined;
    let endedCommand: string | undefined;
    if (slot && effectsOf(parcel.status, to).releasesSlot) {
      next = released(slot, parcel.parcelId);
      if (slot.command && slot.command.parcelId === parcel.parcelId) {
        const { command, ...rest } = next;
        const { expiresAt: _deadline, ...record } = command!;
        next = withEnded(rest, { ...record, outcome: 'CANCELLED' });
        endedCommand = record.commandId;
      }
    }
    const outcome = await deps.changes.commit({
      parcel: { previous: parcel, next: transitioned(parcel, to, now) },
      ...(slot && next && next !== slot ? { slots: [{ previous: slot, next: settle(next, deps.doorTimings) }] } : {}),
      events: [auditEvent(deps, now, actor, { type, ...placeOf(parcel), from: parcel.status, to, ...(endedCommand ? { commandId: endedCommand } : {}) })],
    });
    return outcome === 'committed' ? { parcel, endedCommand } : stale;
  }, handlerRounds);
  if (ended.endedCommand && deps.doors) {
    const { locationId, lockerId, slotId } = ended.parcel;
    await sendDoorEffects({ doors: deps.doors, logger: deps.logger }, { clear: { door: { locationId, lockerId, slotId }, commandId: ended.endedCommand } });
  }
  return { parcelId, status: to };
}

export function cancelParcel(deps: ReleaseDeps & Pick<Deps, 'doors'>, actor: Actor, parcelId: string) {
  return releaseParcel(deps, actor, parcelId, 'CANCELLED', 'PARCEL_CANCELLED');
}

export function returnParcel(deps: ReleaseDeps, actor: Actor, parcelId: string) {
  return releaseParcel(deps, actor, parcelId, 'RETURNED', 'PARCEL_RETURNED');
}
