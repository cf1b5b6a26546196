import type { Actor } from '#shared/domain/actor';
import { canView, isOwner, isPastPickupWindow } from '#shared/domain/parcel';
import type { Deps } from './deps.ts';
import { viewOf, visibleParcel, type ParcelView } from './support/parcel-view.ts';

/**
 * Primary course:
 * 1. Read the parcel if the actor may see it (admin, its carrier, its recipient).
 * 2. Add the pickup code, decrypted, only for the recipient and only while it can be collected.
 */
export async function getParcel(deps: Pick<Deps, 'parcels' | 'vault' | 'clock'>, actor: Actor, parcelId: string): Promise<ParcelView> {
  const parcel = await visibleParcel(deps, parcelId, (p) => canView(actor, p));
  const showCode =
    isOwner(actor, parcel) && parcel.status === 'STORED' && !isPastPickupWindow(parcel, deps.clock.now()) && parcel.sealedPickupCode;
  return showCode ? { ...viewOf(parcel), pickupCode: deps.vault.open(parcel.sealedPickupCode!) } : viewOf(parcel);
}
