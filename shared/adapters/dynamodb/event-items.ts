import type { AuditEvent } from '#shared/domain/events';
import { keys } from './keys.ts';

/**
 * Parcel events live under the parcel, everything else under its location, so each object's
 * history is one Query. The key is unique per event, so a put can never overwrite history.
 */
export function eventItem(event: AuditEvent): Record<string, unknown> {
  const key = event.parcelId
    ? keys.parcelEvent(event.parcelId, event.at, event.eventId)
    : keys.locationEvent(event.locationId, event.at, event.eventId);
  return { ...key, entity: 'EVENT', ...event };
}
