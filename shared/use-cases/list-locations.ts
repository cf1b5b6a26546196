import type { LocationSummary } from '#shared/domain/location';
import type { Deps } from './deps.ts';

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

