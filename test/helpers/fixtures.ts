import { addLocker } from '#shared/use-cases/add-locker';
import { createLocation } from '#shared/use-cases/create-location';
import type { Deps } from '#shared/use-cases/deps';
import { trackPresence } from '#shared/use-cases/track-presence';
import { actors } from './deps.ts';

let counter = 0;

/**
 * A location with one locker holding the given slots. The locker connects (as its AWS IoT
 * lifecycle event would say) unless `online: false`: stores only use slots of online lockers.
 */
export async function givenLocation(
  deps: Pick<Deps, 'clock' | 'ids' | 'locations' | 'defaultPickupWindowHours'>,
  slots: { S?: number; M?: number; L?: number },
  options: { pickupWindowHours?: number; online?: boolean } = {},
) {
  counter += 1;
  const { online = true, ...locationOptions } = options;
  const location = await createLocation(deps, actors.admin, {
    locationId: `loc-${counter}-${Date.now()}`,
    name: 'Station Square',
    address: '1 Station Square',
    ...locationOptions,
  });
  const added = await addLocker(deps, actors.admin, location.locationId, { lockerId: 'A', slots });
  if (online) {
    const { applied } = await trackPresence(deps, {
      clientId: added.thingName,
      eventType: 'connected',
      timestamp: deps.clock.now().getTime(),
      versionNumber: 1,
    });
    if (!applied) throw new Error(`Locker ${added.thingName} did not come online`);
  }
  const locker = { ...added, online };
  return { location, locker, locationId: location.locationId };
}
