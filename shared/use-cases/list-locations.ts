import type { LocationSummary } from '#shared/domain/location';
import type { Page, PageRequest } from '#shared/ports';
import type { Deps } from './deps.ts';

/**
 * Primary course:
 * 1. Read one page of locations, in id order.
 * 2. Count the free slots per size of the page's locations, all at once.
 */
export async function listLocations(deps: Pick<Deps, 'locations'>, query: PageRequest): Promise<Page<LocationSummary>> {
  const page = await deps.locations.list(query);
  const counts = await deps.locations.freeCountsOf(page.items.map((location) => location.locationId));
  return {
    items: page.items.map((location) => ({ ...location, freeSlots: counts.get(location.locationId) ?? { S: 0, M: 0, L: 0 } })),
    ...(page.cursor ? { cursor: page.cursor } : {}),
  };
}
