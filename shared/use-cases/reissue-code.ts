import type { Actor } from '#shared/domain/actor';
import { TooManyAttemptsError } from '#shared/domain/errors';
import { assertCollectable, isOwner } from '#shared/domain/parcel';
import { afterReissue, reissueBlockedFor } from '#shared/domain/pickup-code';
import { auditEvent, type Deps } from './deps.ts';
import { stale, untilSettled } from './support/fresh-state.ts';
import { placeOf, visibleParcel } from './support/parcel-view.ts';

const maxCodeDraws = 5;

/**
 * Primary course (the recipient lost the code):
 * 1. Read the parcel if the caller is its recipient, and refuse unless it can still be collected.
 * 2. Refuse a fourth reissue within the hour (429): each one writes the parcel, and a stream of
 *    them must not starve a carrier's or an admin's change of it.
 * 3. Draw a new code and swap it in atomically with the reissue's count (one conditional write):
 *    the old code stops working at that instant.
 * 4. Return the new code to the recipient alone.
 */
export async function reissuePickupCode(
  deps: Pick<Deps, 'parcels' | 'changes' | 'vault' | 'clock' | 'ids' | 'codes'>,
  actor: Actor,
  parcelId: string,
): Promise<{ parcelId: string; pickupCode: string }> {
  let draws = 0;
  return untilSettled('The parcel', async () => {
    const parcel = await visibleParcel(deps, parcelId, (p) => isOwner(actor, p));
    const now = deps.clock.now();
    assertCollectable(parcel, now);
    const blockedFor = reissueBlockedFor(parcel, now);
    if (blockedFor > 0) throw new TooManyAttemptsError(blockedFor, 'Too many new codes for this parcel; try again later');
    const code = deps.codes.next();
    const hash = deps.vault.hash(parcel.locationId, code);
    // The same code drawn again is a collision like any other: draw again.
    if (hash === parcel.pickupCodeHash) return stale;
    const outcome = await deps.changes.commit({
      parcel: {
        previous: parcel,
        next: {
          ...parcel,
          ...afterReissue(parcel, now),
          pickupCodeHash: hash,
          sealedPickupCode: deps.vault.seal(code),
          updatedAt: now.toISOString(),
        },
      },
      events: [auditEvent(deps, now, actor, { type: 'PICKUP_CODE_REISSUED', ...placeOf(parcel) })],
    });
    if (outcome === 'committed') return { parcelId, pickupCode: code };
    if (outcome === 'code-taken' && ++draws >= maxCodeDraws) throw new Error('Could not draw a unique pickup code');
    return stale;
  });
}
