import type { Location } from '#shared/domain/location';
import { defaultReminderHours, isReminderDue, maxReminderHours } from '#shared/domain/notifications';
import type { StoredParcel } from '#shared/ports';
import { auditEvent, type Deps } from './deps.ts';
import { placeOf } from './support/parcel-view.ts';
import { stale, untilSettled } from './support/fresh-state.ts';

/** Bounds one sweep's work; the next run picks up where this one stopped. */
const sweepBatch = 100;
const maxSweepBatches = 20;

/**
 * Primary course (the scheduled sweep):
 * 1. Find STORED parcels not yet reminded whose deadline is at most `maxReminderHours` away
 *    (the expiry index, soonest first).
 * 2. For each, take its location's lead time (24 h unless the location set one) and skip it
 *    while its reminder is not yet due.
 * 3. Mark it reminded with a PARCEL_REMINDER_DUE event in one write, conditional on the version
 *    read: a parcel collected, expired or reminded by an overlapping run meanwhile is read again
 *    and, no longer due, left alone. So each parcel is reminded once, however often the sweep runs.
 * The messages themselves go out like every other notification: the event reaches the notifier
 * through the table's stream, with its retries and dead-letter queue.
 */
export async function sendReminders(deps: Pick<Deps, 'parcels' | 'locations' | 'changes' | 'clock' | 'ids'>): Promise<{ reminded: number }> {
  const leadTimes = new Map<string, number>();
  const leadTimeAt = async (locationId: string) => {
    let hours = leadTimes.get(locationId);
    if (hours === undefined) {
      const location: Location | undefined = await deps.locations.get(locationId);
      hours = location?.reminderHoursBefore ?? defaultReminderHours;
      leadTimes.set(locationId, hours);
    }
    return hours;
  };

  let reminded = 0;
  const notYetDue = new Set<string>();
  for (let batch = 0; batch < maxSweepBatches; batch++) {
    const due = (await deps.parcels.dueForReminder(deps.clock.now(), maxReminderHours, sweepBatch + notYetDue.size)).filter(
      (parcel) => !notYetDue.has(parcel.parcelId),
    );
    if (due.length === 0) break;
    for (const parcel of due) {
      const hours = await leadTimeAt(parcel.locationId);
      if (!isReminderDue(parcel, deps.clock.now(), hours)) {
        // Still inside the index's range, so every later page would return it again.
        notYetDue.add(parcel.parcelId);
        continue;
      }
      if (await remind(deps, parcel, hours)) reminded++;
    }
    if (due.length < sweepBatch) break;
  }
  return { reminded };
}

async function remind(deps: Pick<Deps, 'parcels' | 'changes' | 'clock' | 'ids'>, first: StoredParcel, hours: number): Promise<boolean> {
  let parcel: StoredParcel | undefined = first;
  return untilSettled('The reminder', async () => {
    const now = deps.clock.now();
    if (!parcel || parcel.remindedAt !== undefined || !isReminderDue(parcel, now, hours)) return false;
    const outcome = await deps.changes.commit({
      parcel: { previous: parcel, next: { ...parcel, remindedAt: now.toISOString(), updatedAt: now.toISOString() } },
      events: [auditEvent(deps, now, 'system', { type: 'PARCEL_REMINDER_DUE', ...placeOf(parcel) })],
    });
    if (outcome === 'committed') return true;
    // The index read may be behind the table: read the parcel itself and decide again.
    parcel = await deps.parcels.get(first.parcelId);
    return stale;
  });
}
