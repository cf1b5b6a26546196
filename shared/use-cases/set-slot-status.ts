import type { Actor } from '#shared/domain/actor';
import { ConflictError, NotFoundError } from '#shared/domain/errors';
import { isClosedAndLocked } from '#shared/domain/door';
import { settle, type Slot } from '#shared/domain/slot';
import type { DoorAddress } from '#shared/ports';
import { auditEvent, type Deps } from './deps.ts';
import { stale, untilSettled } from './support/fresh-state.ts';
import { slotView, type SlotView } from './support/slot-view.ts';

/**
 * Primary course (an admin, `PATCH …/slots/{slotId}` with `status`):
 * 1. Read the slot, or answer SLOT_NOT_FOUND.
 * 2. OUT_OF_SERVICE takes it out of service (even with a parcel inside), with the admin's note.
 *    FREE puts it back in service, only while its door reports closed and locked; a slot with a
 *    parcel inside stays OCCUPIED. FREE on an occupied slot already in service is refused, as before.
 * 3. Write it with its event, conditional on the version read.
 */
export async function setSlotStatus(
  deps: Pick<Deps, 'clock' | 'ids' | 'locations' | 'changes' | 'doorTimings'>,
  actor: Actor,
  address: DoorAddress,
  status: 'FREE' | 'OUT_OF_SERVICE',
  note?: string,
): Promise<SlotView> {
  return untilSettled('The slot', async () => {
    const slot = await deps.locations.getSlot(address);
    if (!slot) throw new NotFoundError('SLOT_NOT_FOUND', 'No such slot');
    let next: Slot;
    if (status === 'OUT_OF_SERVICE') {
      next = { ...slot, service: 'OUT_OF_SERVICE', fault: slot.fault && slot.service === 'OUT_OF_SERVICE' ? slot.fault : 'MAINTENANCE', ...(note ? { note } : {}) };
    } else {
      if (slot.service === 'IN_SERVICE' && slot.occupancy === 'OCCUPIED') throw new ConflictError('SLOT_OCCUPIED', 'The slot holds a parcel');
      if (slot.door && !isClosedAndLocked(slot.door)) {
        throw new ConflictError('DOOR_NOT_CLOSED', 'The door must report closed and locked before the slot returns to service');
      }
      const { fault: _fault, note: _note, ...rest } = slot;
      next = { ...rest, service: 'IN_SERVICE' };
    }
    const now = deps.clock.now();
    const settled = settle(next, deps.doorTimings);
    const outcome = await deps.changes.commit({
      slots: [{ previous: slot, next: settled }],
      events: [
        auditEvent(deps, now, actor, {
          type: 'SLOT_STATUS_CHANGED',
          ...address,
          to: status,
          ...(slot.fault ? { fault: slot.fault } : {}),
          ...(note ? { reason: note } : {}),
        }),
      ],
    });
    return outcome === 'committed' ? slotView(settled, actor) : stale;
  });
}
