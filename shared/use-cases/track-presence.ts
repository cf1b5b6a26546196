import { lockerOfThing } from '#shared/domain/door';
import { auditEvent, type Deps } from './deps.ts';

/** An AWS IoT lifecycle event, as the presence rule delivers it (`SELECT * FROM '$aws/events/presence/+/+'`). */
export interface LifecycleEvent {
  readonly clientId?: unknown;
  readonly eventType?: unknown;
  readonly timestamp?: unknown;
  readonly versionNumber?: unknown;
}

/**
 * Primary course (a locker connected or disconnected):
 * 1. Find the locker from the client id (a locker connects as its thing).
 * 2. Set its `online` flag with the event, unless a newer lifecycle event was applied already.
 */
export async function trackPresence(deps: Pick<Deps, 'locations' | 'ids'>, event: LifecycleEvent): Promise<{ applied: boolean }> {
  const locker = typeof event.clientId === 'string' ? lockerOfThing(event.clientId) : undefined;
  if (!locker || (event.eventType !== 'connected' && event.eventType !== 'disconnected')) return { applied: false };
  if (typeof event.timestamp !== 'number' || !Number.isFinite(event.timestamp)) return { applied: false };
  const online = event.eventType === 'connected';
  const at = new Date(event.timestamp);
  const applied = await deps.locations.recordPresence(
    locker,
    { online, version: typeof event.versionNumber === 'number' ? event.versionNumber : 0, at: at.toISOString() },
    auditEvent(deps, at, 'system', { type: online ? 'LOCKER_ONLINE' : 'LOCKER_OFFLINE', ...locker }),
  );
  return { applied };
}
