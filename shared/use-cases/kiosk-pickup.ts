import type { Actor } from '#shared/domain/actor';
import { ForbiddenError, TooManyAttemptsError } from '#shared/domain/errors';
import { kioskBudgetOfOneKiosk, kioskWindowAt, secondsUntil, type KioskCounter } from '#shared/domain/pickup-code';
import type { Deps } from './deps.ts';
import { untilSettled } from './support/fresh-state.ts';
import { resumePickup, startPickup, type PickupDeps, type PickupResult } from './support/pickup.ts';

/**
 * Primary course (a kiosk at the locker, code typed on its screen):
 * 1. A kiosk acts only for its own location.
 * 2. Reserve one attempt from this kiosk's budget, then from the location's, for this five-minute
 *    window (one conditional write each), before the code is looked at; with either spent, refuse
 *    right and wrong codes alike. One kiosk token can spend at most a tenth of the location's.
 * 3. Find the parcel from the code alone. A miss keeps the attempt spent; a right code gives it back.
 * 4. Open its door as in retrieveParcel. The parcel's own lock (wrong codes in the app) is not
 *    consulted: the location budget governs the kiosk, and a lock answering only right codes
 *    differently would tell a guesser they hit.
 */
export async function kioskPickup(
  deps: PickupDeps & Pick<Deps, 'vault' | 'kioskGuard' | 'kioskAttemptsPerWindow' | 'metrics'>,
  actor: Actor,
  locationId: string,
  pickupCode: string,
): Promise<PickupResult> {
  if (actor.locationId !== locationId) throw new ForbiddenError('FORBIDDEN', 'This kiosk serves another location');
  const now = deps.clock.now();
  const window = kioskWindowAt(now);
  const kiosk = { locationId, kioskId: actor.sub };
  const location = { locationId };
  const giveBack = (counter: KioskCounter) =>
    deps.kioskGuard.giveBack(counter, window).catch((error: unknown) => {
      // Best effort: a lost give-back only leaves a budget one attempt short until the window ends.
      deps.logger.warn('Could not give back a kiosk attempt', { locationId, error: error instanceof Error ? error.name : String(error) });
    });
  if (!(await deps.kioskGuard.reserve(kiosk, window, kioskBudgetOfOneKiosk(deps.kioskAttemptsPerWindow)))) {
    throw new TooManyAttemptsError(secondsUntil(window.end, now));
  }
  if (!(await deps.kioskGuard.reserve(location, window, deps.kioskAttemptsPerWindow))) {
    // Not looked at, so not charged to this kiosk either.
    await giveBack(kiosk);
    throw new TooManyAttemptsError(secondsUntil(window.end, now));
  }

  const codeHash = deps.vault.hash(locationId, pickupCode);
  const parcelId = await deps.parcels.findByPickupCode(locationId, codeHash);
  const found = parcelId ? await deps.parcels.get(parcelId) : undefined;
  const opens = (parcel: typeof found) =>
    parcel?.locationId === locationId && parcel.pickupCodeHash === codeHash && (parcel.status === 'STORED' || parcel.status === 'COLLECTING');
  if (!found || !opens(found)) throw new ForbiddenError('INVALID_PICKUP_CODE', 'No parcel here has this pickup code');

  await Promise.all([giveBack(location), giveBack(kiosk)]);
  if (found.status === 'COLLECTING') return resumePickup(deps, found);

  let parcel = found;
  return untilSettled('The parcel', async () => {
    parcel = (await deps.parcels.get(parcel.parcelId)) ?? parcel;
    // Re-read after a lost race: a code reissued meanwhile no longer opens the door.
    if (parcel.pickupCodeHash !== codeHash) throw new ForbiddenError('INVALID_PICKUP_CODE', 'No parcel here has this pickup code');
    return startPickup(deps, actor, parcel);
  });
}
