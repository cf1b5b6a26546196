import type { Actor } from '#shared/domain/actor';
import { ForbiddenError } from '#shared/domain/errors';
import { assertCollectable, isOwner } from '#shared/domain/parcel';
import { afterWrongCode } from '#shared/domain/pickup-code';
import { auditEvent, type Deps } from './deps.ts';
import { stale, untilSettled } from './support/fresh-state.ts';
import { placeOf, visibleParcel } from './support/parcel-view.ts';
import { refuseWhileLocked, resumePickup, startPickup, type PickupDeps, type PickupResult } from './support/pickup.ts';

/**
 * Primary course (the recipient, in the app, at the locker):
 * 1. Read the parcel if the caller is its recipient.
 * 2. Refuse while it is locked by wrong codes, or when it can no longer be collected.
 * 3. Compare the code; a wrong one is counted (the fifth in a row locks the parcel for 15 minutes).
 * 4. Open its door (startPickup): the parcel is COLLECTING until the door reports open.
 */
export async function retrieveParcel(
  deps: PickupDeps & Pick<Deps, 'vault' | 'metrics'>,
  actor: Actor,
  parcelId: string,
  pickupCode: string,
): Promise<PickupResult> {
  return untilSettled('The parcel', async () => {
    const parcel = await visibleParcel(deps, parcelId, (p) => isOwner(actor, p));
    const now = deps.clock.now();
    refuseWhileLocked(parcel, now);
    // The owner repeating a pickup whose answer was lost: the same door command again, nothing new.
    if (parcel.status === 'COLLECTING' && parcel.pickupCodeHash && deps.vault.matches(parcel.locationId, pickupCode, parcel.pickupCodeHash)) {
      return resumePickup(deps, parcel);
    }
    // A parcel that cannot be collected any more is refused as such, never counted as a wrong guess.
    assertCollectable(parcel, now);
    if (!parcel.pickupCodeHash || !deps.vault.matches(parcel.locationId, pickupCode, parcel.pickupCodeHash)) {
      const recorded = await deps.parcels.recordWrongCode(
        parcel,
        parcel,
        afterWrongCode(parcel, now),
        auditEvent(deps, now, actor, { type: 'PICKUP_CODE_REJECTED', ...placeOf(parcel) }),
      );
      if (!recorded) return stale;
      throw new ForbiddenError('INVALID_PICKUP_CODE', 'The pickup code is not valid for this parcel');
    }
    return startPickup(deps, actor, parcel);
  });
}
