import { hasRole, type Actor } from '#shared/domain/actor';
import { NotFoundError } from '#shared/domain/errors';
import type { LocationSummary } from '#shared/domain/location';
import { countFree } from '#shared/domain/slot';
import type { Deps } from './deps.ts';
import { lockerView, type LockerView } from './support/slot-view.ts';

export type LocationView = LocationSummary & { readonly lockers?: readonly LockerView[] };

/**
 * Primary course:
 * 1. Read the location, or answer not found.
 * 2. Read its lockers and slots and count the free ones in online lockers (a store skips the
 *    others, so their doors are free to nobody).
 * 3. Admins and carriers see the lockers and slots; everyone sees the counts.
 */
export async function getLocation(deps: Pick<Deps, 'locations'>, actor: Actor, locationId: string): Promise<LocationView> {
  const location = await deps.locations.get(locationId);
  if (!location) throw new NotFoundError('LOCATION_NOT_FOUND', 'No such location');
  const layout = await deps.locations.layout(locationId);
  const freeSlots = countFree(layout.lockers.filter((locker) => locker.online).flatMap((locker) => locker.slots));
  return hasRole(actor, 'admin', 'carrier')
    ? { ...location, freeSlots, lockers: layout.lockers.map((locker) => lockerView(locker, actor)) }
    : { ...location, freeSlots };
}

