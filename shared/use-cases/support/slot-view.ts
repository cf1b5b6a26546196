import { hasRole, type Actor } from '#shared/domain/actor';
import type { Locker } from '#shared/domain/location';
import { statusOf, type Slot } from '#shared/domain/slot';

/** A slot as admins and carriers see it: the summary `status`, and what lies behind it. */
export interface SlotView {
  readonly locationId: string;
  readonly lockerId: string;
  readonly slotId: string;
  readonly size: Slot['size'];
  readonly status: ReturnType<typeof statusOf>;
  readonly occupancy: Slot['occupancy'];
  readonly service: Slot['service'];
  readonly fault?: Slot['fault'];
  readonly note?: string;
  /** Admins only: carriers must not learn other carriers' parcel ids. */
  readonly parcelId?: string;
  /** The door's last report. */
  readonly door?: { readonly lock: string; readonly door: string; readonly fault: string | null; readonly reportedAt: string };
  /** Admins only: the door command under way. */
  readonly commandId?: string;
}

export function slotView(slot: Slot, actor: Actor): SlotView {
  const admin = hasRole(actor, 'admin');
  return {
    locationId: slot.locationId,
    lockerId: slot.lockerId,
    slotId: slot.slotId,
    size: slot.size,
    status: statusOf(slot),
    occupancy: slot.occupancy,
    service: slot.service,
    ...(slot.fault ? { fault: slot.fault } : {}),
    ...(slot.note ? { note: slot.note } : {}),
    ...(admin && slot.parcelId ? { parcelId: slot.parcelId } : {}),
    ...(slot.door ? { door: { lock: slot.door.lock, door: slot.door.door, fault: slot.door.fault, reportedAt: slot.door.at } } : {}),
    ...(admin && slot.command ? { commandId: slot.command.commandId } : {}),
  };
}

export interface LockerView {
  readonly locationId: string;
  readonly lockerId: string;
  readonly createdAt: string;
  readonly online: boolean;
  /** Admins only: the IoT thing to provision the hardware as. */
  readonly thingName?: string;
  readonly slots: readonly SlotView[];
}

export function lockerView(locker: Locker & { readonly slots: readonly Slot[] }, actor: Actor): LockerView {
  return {
    locationId: locker.locationId,
    lockerId: locker.lockerId,
    createdAt: locker.createdAt,
    online: locker.online,
    ...(hasRole(actor, 'admin') ? { thingName: locker.thingName } : {}),
    slots: locker.slots.map((slot) => slotView(slot, actor)),
  };
}
