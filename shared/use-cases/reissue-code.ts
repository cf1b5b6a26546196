import type { Actor } from '#shared/domain/actor';
import { assertCollectable, isOwner } from '#shared/domain/parcel';
import { auditEvent, type Deps } from './deps.ts';
import { stale, untilSettled } from './support/fresh-state.ts';
import { placeOf, visibleParcel } from './support/parcel-view.ts';

const maxCodeDraws = 5;

/**
 * Primary course (the recipient lost the code):
 * 1. Read the parcel if the caller is its recipient, and refuse unless it can still be collected.
 * 2. Draw a new code and swap it in atomically: the old code stops working at that instant.
 * 3. Return the new code to the recipient alone.
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
    const code = deps.codes.next();
    const hash = deps.vault.hash(parcel.locationId, code);
    // The same code drawn again is a collision like any other: draw again.
    if (hash === parcel.pickupCodeHash) return stale;
    const outcome = await deps.changes.commit({
      parcel: { previous: parcel, next: { ...parcel, pickupCodeHash: hash, sealedPickupCode: deps.vault.seal(code), updatedAt: now.toISOString() } },
      events: [auditEvent(deps, now, actor, { type: 'PICKUP_CODE_REISSUED', ...placeOf(parcel) })],
    });
    if (outcome === 'committed') return { parcelId, pickupCode: code };
    if (outcome === 'code-taken' && ++draws >= maxCodeDraws) throw new Error('Could not draw a unique pickup code');
    return stale;
  });
}
