import { addLocker, createLocation } from '#shared/use-cases/locations';
import type { Deps } from '#shared/use-cases/deps';
import { actors } from './deps.ts';

let counter = 0;

/** A location with one locker holding the given slots. */
export async function givenLocation(
  deps: Pick<Deps, 'clock' | 'ids' | 'locations' | 'defaultPickupWindowHours'>,
  slots: { S?: number; M?: number; L?: number },
  options: { pickupWindowHours?: number } = {},
) {
  counter += 1;
  const location = await createLocation(deps, actors.admin, {
    locationId: `loc-${counter}-${Date.now()}`,
    name: 'Station Square',
    address: '1 Station Square',
    ...options,
  });
  const locker = await addLocker(deps, actors.admin, location.locationId, { lockerId: 'A', slots });
  return { location, locker, locationId: location.locationId };
}
