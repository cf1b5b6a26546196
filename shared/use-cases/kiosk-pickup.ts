import type { Actor } from '#shared/domain/actor';
import { ConflictError, ForbiddenError, TooManyAttemptsError } from '#shared/domain/errors';
import { kioskAttemptPolicy } from '#shared/domain/pickup-code';
import type { Deps } from './deps.ts';
import { untilSettled } from './support/fresh-state.ts';
import { startPickup, type PickupDeps, type PickupResult } from './support/pickup.ts';

/**
 * Primary course (a kiosk at the locker, code typed on its screen):
 * 1. A kiosk acts only for its own location.
 * 2. Refuse while the location has seen too many wrong codes lately (10 in 15 minutes).
 * 3. Find the parcel from the code alone; a miss is counted against the location.
 * 4. Open its door as in retrieveParcel; the code was right, so nothing after this counts as a guess.
 */
export async function kioskPickup(
  deps: PickupDeps & Pick<Deps, 'vault' | 'kioskGuard' | 'metrics'>,
  actor: Actor,
  locationId: string,
  pickupCode: string,
): Promise<PickupResult> {
  if (actor.locationId !== locationId) throw new ForbiddenError('FORBIDDEN', 'This kiosk serves another location');
  const windowMs = kioskAttemptPolicy.windowMinutes * 60_000;
  const now = deps.clock.now();
  const failures = await deps.kioskGuard.recentFailures(locationId, new Date(now.getTime() - windowMs), now);
  if (failures >= kioskAttemptPolicy.maxFailures) throw new TooManyAttemptsError(kioskAttemptPolicy.windowMinutes * 60);

  const codeHash = deps.vault.hash(locationId, pickupCode);
  const parcelId = await deps.parcels.findByPickupCode(locationId, codeHash);
  const found = parcelId ? await deps.parcels.get(parcelId) : undefined;
  if (found?.locationId === locationId && found.status === 'COLLECTING') {
    throw new ConflictError('INVALID_STATE', 'The parcel is being collected: its door is opening');
  }
  if (!found || found.locationId !== locationId || found.status !== 'STORED') {
    await deps.kioskGuard.recordFailure(locationId, now, new Date(now.getTime() + windowMs));
    throw new ForbiddenError('INVALID_PICKUP_CODE', 'No parcel here has this pickup code');
  }
  let parcel = found;
  return untilSettled('The parcel', async () => {
    parcel = (await deps.parcels.get(parcel.parcelId)) ?? parcel;
    // Re-read after a lost race: a code reissued meanwhile no longer opens the door.
    if (parcel.pickupCodeHash !== codeHash) throw new ForbiddenError('INVALID_PICKUP_CODE', 'No parcel here has this pickup code');
    return startPickup(deps, actor, parcel);
  });
}
