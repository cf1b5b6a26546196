import { hasRole, type Actor } from '#shared/domain/actor';
import { NotFoundError } from '#shared/domain/errors';
import type { Location, LocationLayout, LocationSummary, Locker } from '#shared/domain/location';
import { countFree, slotIdFor, slotSizes, type Slot, type SlotStatus } from '#shared/domain/slot';
import { auditEvent, type Deps } from './deps.ts';

export interface CreateLocationInput {
  readonly locationId?: string;
  readonly name: string;
  readonly address: string;
  readonly pickupWindowHours?: number;
}

/**
 * Primary course:
 * 1. Give the location an id unless the admin chose one.
 * 2. Write it with its audit event, refusing an id already taken.
 */
export async function createLocation(
  deps: Pick<Deps, 'clock' | 'ids' | 'locations' | 'defaultPickupWindowHours'>,
  actor: Actor,
  input: CreateLocationInput,
): Promise<Location> {
  const now = deps.clock.now();
  const location: Location = {
    locationId: input.locationId ?? deps.ids.next(),
    name: input.name,
    address: input.address,
    pickupWindowHours: input.pickupWindowHours ?? deps.defaultPickupWindowHours,
    createdAt: now.toISOString(),
  };
  await deps.locations.create(
    location,
    auditEvent(deps, now, actor, { type: 'LOCATION_CREATED', locationId: location.locationId }),
  );
  return location;
}

/**
 * Primary course:
 * 1. Read every location.
 * 2. Count each one's free slots per size.
 */
export async function listLocations(deps: Pick<Deps, 'locations'>): Promise<LocationSummary[]> {
  const locations = await deps.locations.list();
  return Promise.all(
    locations.map(async (location) => ({ ...location, freeSlots: await deps.locations.freeCounts(location.locationId) })),
  );
}

export type LocationView = LocationSummary & Partial<LocationLayout>;

/**
 * Primary course:
 * 1. Read the location, or answer not found.
 * 2. Read its lockers and slots and count the free ones.
 * 3. Admins and carriers see the lockers and slots; everyone sees the counts.
 */
export async function getLocation(deps: Pick<Deps, 'locations'>, actor: Actor, locationId: string): Promise<LocationView> {
  const location = await deps.locations.get(locationId);
  if (!location) throw new NotFoundError('LOCATION_NOT_FOUND', 'No such location');
  const layout = await deps.locations.layout(locationId);
  const freeSlots = countFree(layout.lockers.flatMap((locker) => locker.slots));
  return hasRole(actor, 'admin', 'carrier') ? { ...location, freeSlots, lockers: layout.lockers } : { ...location, freeSlots };
}

export interface AddLockerInput {
  readonly lockerId?: string;
  readonly slots: Partial<Record<'S' | 'M' | 'L', number>>;
}

/**
 * Primary course:
 * 1. Number the doors: small slots first, then medium, then large.
 * 2. Write the locker, all its FREE slots and the audit event at once, refusing an unknown
 *    location or a locker id already taken.
 */
export async function addLocker(
  deps: Pick<Deps, 'clock' | 'ids' | 'locations'>,
  actor: Actor,
  locationId: string,
  input: AddLockerInput,
): Promise<Locker & { slots: Slot[] }> {
  const now = deps.clock.now();
  const locker: Locker = { locationId, lockerId: input.lockerId ?? deps.ids.next(), createdAt: now.toISOString() };
  const slots: Slot[] = [];
  for (const size of slotSizes) {
    for (let i = 0; i < (input.slots[size] ?? 0); i++) {
      slots.push({ locationId, lockerId: locker.lockerId, slotId: slotIdFor(slots.length + 1), size, status: 'FREE' });
    }
  }
  await deps.locations.addLocker(
    locker,
    slots,
    auditEvent(deps, now, actor, { type: 'LOCKER_ADDED', locationId, lockerId: locker.lockerId }),
  );
  return { ...locker, slots };
}

/**
 * Primary course:
 * 1. Delete the locker and its slots with the audit event at once, refusing while any slot holds a parcel.
 */
export async function removeLocker(
  deps: Pick<Deps, 'clock' | 'ids' | 'locations'>,
  actor: Actor,
  locationId: string,
  lockerId: string,
): Promise<void> {
  const now = deps.clock.now();
  await deps.locations.removeLocker(
    { locationId, lockerId },
    auditEvent(deps, now, actor, { type: 'LOCKER_REMOVED', locationId, lockerId }),
  );
}

/**
 * Primary course:
 * 1. Move the slot between FREE and OUT_OF_SERVICE with its audit event, refusing an occupied slot.
 */
export async function setSlotStatus(
  deps: Pick<Deps, 'clock' | 'ids' | 'locations'>,
  actor: Actor,
  address: { locationId: string; lockerId: string; slotId: string },
  status: Exclude<SlotStatus, 'OCCUPIED'>,
): Promise<Slot> {
  const now = deps.clock.now();
  return deps.locations.setSlotStatus(
    address,
    status,
    auditEvent(deps, now, actor, { type: 'SLOT_STATUS_CHANGED', ...address, to: status }),
  );
}
