import type { Actor } from '#shared/domain/actor';
import { thingNameOf } from '#shared/domain/door';
import type { Locker } from '#shared/domain/location';
import { newSlot, slotIdFor, slotSizes, type Slot } from '#shared/domain/slot';
import { auditEvent, type Deps } from './deps.ts';
import { slotView, type SlotView } from './support/slot-view.ts';

export interface AddLockerInput {
  readonly lockerId?: string;
  readonly slots: Partial<Record<'S' | 'M' | 'L', number>>;
}

/**
 * Primary course:
 * 1. Number the doors: small slots first, then medium, then large.
 * 2. Write the locker (named as its IoT thing, offline until it connects), all its FREE slots and
 *    the audit event at once, refusing an unknown location or a locker id already taken.
 */
export async function addLocker(
  deps: Pick<Deps, 'clock' | 'ids' | 'locations'>,
  actor: Actor,
  locationId: string,
  input: AddLockerInput,
): Promise<Locker & { slots: SlotView[] }> {
  const now = deps.clock.now();
  const lockerId = input.lockerId ?? deps.ids.next();
  const slots: Slot[] = [];
  for (const size of slotSizes) {
    for (let i = 0; i < (input.slots[size] ?? 0); i++) {
      slots.push(newSlot({ locationId, lockerId, slotId: slotIdFor(slots.length + 1), size }));
    }
  }
  // Offline until the locker itself connects (its lifecycle event sets the flag).
  const locker: Locker = {
    locationId,
    lockerId,
    createdAt: now.toISOString(),
    thingName: thingNameOf(locationId, lockerId),
    slotIds: slots.map((slot) => slot.slotId),
    online: false,
  };
  await deps.locations.addLocker(
    locker,
    slots,
    auditEvent(deps, now, actor, { type: 'LOCKER_ADDED', locationId, lockerId: locker.lockerId }),
  );
  return { ...locker, slots: slots.map((slot) => slotView(slot, actor)) };
}

