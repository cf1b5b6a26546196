import { lockerOfThing, parseReport, slotIdOfShadow } from '#shared/domain/door';
import type { DoorDecision } from '#shared/domain/door-reconcile';
import { settleDoor, type DoorDeps } from './support/doors.ts';

/** What the topic rule delivers: the `…/update/documents` message plus the thing and shadow names. */
export interface ShadowDocumentsMessage {
  readonly thingName?: unknown;
  readonly shadowName?: unknown;
  readonly current?: { readonly state?: { readonly reported?: unknown }; readonly version?: unknown };
}

/**
 * Primary course (a door's shadow changed):
 * 1. Find the door from the thing and shadow names; ignore shadows that are not doors of ours.
 * 2. Take the reported state and the shadow version of the new document; a document without a
 *    door report (the service's own `desired` writes) says nothing about the door.
 * 3. Settle the door's slot and parcel on it (settleDoor).
 */
export async function reconcileDoor(deps: DoorDeps, message: ShadowDocumentsMessage): Promise<DoorDecision | undefined> {
  const locker = typeof message.thingName === 'string' ? lockerOfThing(message.thingName) : undefined;
  const slotId = typeof message.shadowName === 'string' ? slotIdOfShadow(message.shadowName) : undefined;
  if (!locker || !slotId) return undefined;
  const report = parseReport(message.current?.state?.reported);
  const version = message.current?.version;
  if (!report || typeof version !== 'number' || !Number.isInteger(version)) return undefined;
  return settleDoor(deps, { ...locker, slotId }, { kind: 'report', observation: { version, report } });
}
