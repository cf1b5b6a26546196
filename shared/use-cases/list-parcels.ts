import { hasRole, type Actor } from '#shared/domain/actor';
import { ForbiddenError } from '#shared/domain/errors';
import type { Parcel } from '#shared/domain/parcel';
import type { Page, StoredParcel } from '#shared/ports';
import type { Deps } from './deps.ts';
import { viewOf } from './support/parcel-view.ts';

export interface ListParcelsQuery {
  readonly locationId?: string;
  readonly limit: number;
  readonly cursor?: string;
}

/**
 * Primary course:
 * 1. Customers get their own parcels (optionally at one location).
 * 2. Admins get every parcel, or one location's.
 */
export async function listParcels(deps: Pick<Deps, 'parcels'>, actor: Actor, query: ListParcelsQuery): Promise<Page<Parcel>> {
  const page = { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) };
  let result: Page<StoredParcel>;
  if (hasRole(actor, 'admin')) {
    result = query.locationId ? await deps.parcels.listByLocation(query.locationId, page) : await deps.parcels.listAll(page);
  } else if (hasRole(actor, 'customer')) {
    result = await deps.parcels.listByRecipient(actor.sub, page, query.locationId ? { locationId: query.locationId } : {});
  } else {
    throw new ForbiddenError('FORBIDDEN', 'Only customers and admins list parcels');
  }
  return { items: result.items.map(viewOf), ...(result.cursor ? { cursor: result.cursor } : {}) };
}
