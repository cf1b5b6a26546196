import type { Actor } from '#shared/domain/actor';
import { NotFoundError } from '#shared/domain/errors';
import { seesRecipientContact, type Parcel } from '#shared/domain/parcel';
import type { RecipientContact, StoredParcel } from '#shared/ports';
import type { Deps } from '../deps.ts';

/** A parcel as callers see it: never the code hash or the sealed code. */
export type ParcelDetails = Parcel & {
  /** The contact the carrier gave at store time: only for the recipient, that carrier and admins. */
  readonly recipientContact?: RecipientContact;
};

/** One parcel read by id: its recipient may also get the pickup code. */
export type ParcelView = ParcelDetails & { readonly pickupCode?: string };

/** The parcel as `actor` may see it: the actor decides whether the carrier's contact for the recipient is in it. */
export function viewOf(parcel: StoredParcel, actor: Actor): ParcelDetails {
  const {
    parcelId, locationId, lockerId, slotId, slotSize, size, recipientId, carrierId,
    status, createdAt, updatedAt, pickupWindowHours, expiresAt, commandId, failedAttempts, lockedUntil, recipientContact,
  } = parcel;
  return {
    parcelId, locationId, lockerId, slotId, slotSize, size, recipientId, carrierId,
    status, createdAt, updatedAt, pickupWindowHours, failedAttempts,
    ...(expiresAt ? { expiresAt } : {}),
    ...(commandId ? { commandId } : {}),
    ...(lockedUntil ? { lockedUntil } : {}),
    ...(recipientContact && seesRecipientContact(actor, parcel) ? { recipientContact: contactOf(recipientContact) } : {}),
  };
}

/** Only the two addresses, whatever else the stored item holds. */
function contactOf({ email, phone }: RecipientContact): RecipientContact {
  return { ...(email !== undefined ? { email } : {}), ...(phone !== undefined ? { phone } : {}) };
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
