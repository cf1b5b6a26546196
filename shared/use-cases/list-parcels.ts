import { hasRole, type Actor } from '#shared/domain/actor';
import { ForbiddenError } from '#shared/domain/errors';
import type { Page, StoredParcel } from '#shared/ports';
import type { Deps } from './deps.ts';
import { viewOf, type ParcelDetails } from './support/parcel-view.ts';

export interface ListParcelsQuery {
  readonly locationId?: string;
  readonly limit: number;
  readonly cursor?: string;
}

/**
 * Primary course:
 * 1. Customers get their own parcels (optionally at one location).
 * 2. Admins get every parcel, or one location's.
 * 3. The carrier's contact for the recipient shows only to those who may see it (the recipient, admins).
 */
export async function listParcels(deps: Pick<Deps, 'parcels'>, actor: Actor, query: ListParcelsQuery): Promise<Page<ParcelDetails>> {
  const page = { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) };
  let result: Page<StoredParcel>;
  if (hasRole(actor, 'admin')) {
    result = query.locationId ? await deps.parcels.listByLocation(query.locationId, page) : await deps.parcels.listAll(page);
  } else if (hasRole(actor, 'customer')) {
    result = await deps.parcels.listByRecipient(actor.sub, page, query.locationId ? { locationId: query.locationId } : {});
  } else {
    throw new ForbiddenError('FORBIDDEN', 'Only customers and admins list parcels');
  }
  return { items: result.items.map((parcel) => viewOf(parcel, actor)), ...(result.cursor ? { cursor: result.cursor } : {}) };
}
