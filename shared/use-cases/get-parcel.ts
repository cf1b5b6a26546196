import type { Actor } from '#shared/domain/actor';
import { canView, isOwner, isPastPickupWindow } from '#shared/domain/parcel';
import type { Deps } from './deps.ts';
import { viewOf, visibleParcel, type ParcelView } from './support/parcel-view.ts';

/**
 * Primary course:
 * 1. Read the parcel if the actor may see it (admin, its carrier, its recipient).
 * 2. Show the contact the carrier gave for the recipient only to the recipient, that carrier and admins.
 * 3. Add the pickup code, decrypted, only for the recipient and only while it can be collected.
 */
export async function getParcel(deps: Pick<Deps, 'parcels' | 'vault' | 'clock'>, actor: Actor, parcelId: string): Promise<ParcelView> {
  const parcel = await visibleParcel(deps, parcelId, (p) => canView(actor, p));
  const showCode =
    isOwner(actor, parcel) && parcel.status === 'STORED' && !isPastPickupWindow(parcel, deps.clock.now()) && parcel.sealedPickupCode;
  const view = viewOf(parcel, actor);
  return showCode ? { ...view, pickupCode: deps.vault.open(parcel.sealedPickupCode!) } : view;
}
