import type { Actor } from '#shared/domain/actor';
import { auditEvent, type Deps } from './deps.ts';

/**
 * Primary course:
 * 1. Delete the locker and its slots with the audit event at once, refusing while any slot holds a parcel.
 */
export async function removeLocker(
  deps: Pick<Deps, 'clock' | 'ids' | 'locations'>,
  actor: Actor,
  locationId: string,
  lockerId: string,
): Promise<void> {
  const now = deps.clock.now();
  await deps.locations.removeLocker(
    { locationId, lockerId },
    auditEvent(deps, now, actor, { type: 'LOCKER_REMOVED', locationId, lockerId }),
  );
}

