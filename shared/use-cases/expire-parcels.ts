import { transitioned } from '#shared/domain/parcel';
import { auditEvent, type Deps } from './deps.ts';
import { placeOf } from './support/parcel-view.ts';

/** Bounds one sweep's work; the next run picks up where this one stopped. */
const sweepBatch = 100;
const maxSweepBatches = 20;

/**
 * Primary course (the scheduled sweep):
 * 1. Find STORED parcels whose pickup window has ended, oldest first (DEPOSITING and COLLECTING
 *    parcels are not in the expiry index: their doors decide first).
 * 2. Mark each EXPIRED with its event, conditional on the version read: a parcel collected or
 *    expired by an overlapping run meanwhile is skipped, so running twice expires it once.
 * The slot stays OCCUPIED: the parcel is still inside until a carrier returns it.
 */
export async function expireParcels(deps: Pick<Deps, 'parcels' | 'changes' | 'clock' | 'ids' | 'metrics'>): Promise<{ expired: number }> {
  let expired = 0;
  for (let batch = 0; batch < maxSweepBatches; batch++) {
    const now = deps.clock.now();
    const due = await deps.parcels.dueForExpiry(now, sweepBatch);
    for (const parcel of due) {
      if (parcel.status !== 'STORED') continue;
      const outcome = await deps.changes.commit({
        parcel: { previous: parcel, next: transitioned(parcel, 'EXPIRED', now) },
        events: [auditEvent(deps, now, 'system', { type: 'PARCEL_EXPIRED', ...placeOf(parcel), from: 'STORED', to: 'EXPIRED' })],
      });
      if (outcome === 'committed') expired++;
    }
    if (due.length < sweepBatch) break;
  }
  if (expired > 0) deps.metrics.count('ParcelExpired', expired);
  return { expired };
}
