import { NotFoundError } from '#shared/domain/errors';
import type { Parcel } from '#shared/domain/parcel';
import type { StoredParcel } from '#shared/ports';
import type { Deps } from '../deps.ts';

/** A parcel as callers see it: never the code hash or the sealed code. */
export type ParcelView = Parcel & { readonly pickupCode?: string };

export function viewOf(parcel: StoredParcel): Parcel {
  const {
    parcelId, locationId, lockerId, slotId, slotSize, size, recipientId, carrierId,
    status, createdAt, updatedAt, pickupWindowHours, expiresAt, commandId, failedAttempts, lockedUntil,
  } = parcel;
  return {
    parcelId, locationId, lockerId, slotId, slotSize, size, recipientId, carrierId,
    status, createdAt, updatedAt, pickupWindowHours, failedAttempts,
    ...(expiresAt ? { expiresAt } : {}),
    ...(commandId ? { commandId } : {}),
    ...(lockedUntil ? { lockedUntil } : {}),
  };
}

/** Reads a parcel the actor may see; anything else is "not found", so ids cannot be probed. */
export async function visibleParcel(
  deps: Pick<Deps, 'parcels'>,
  parcelId: string,
  mayUse: (parcel: StoredParcel) => boolean,
): Promise<StoredParcel> {
  const parcel = await deps.parcels.get(parcelId);
  if (!parcel || !mayUse(parcel)) throw new NotFoundError('PARCEL_NOT_FOUND', 'No such parcel');
  return parcel;
}

export function placeOf(parcel: Pick<StoredParcel, 'locationId' | 'lockerId' | 'slotId' | 'parcelId'>) {
  return { locationId: parcel.locationId, lockerId: parcel.lockerId, slotId: parcel.slotId, parcelId: parcel.parcelId };
}
