import type { AuditEvent } from '#shared/domain/events';
import type { TransactItem } from '../client.ts';

/**
 * The event entity: the audit trail and the outbox. Parcel events live under the parcel,
 * everything else under its location, so each object's history is one Query. The key is unique
 * per event, so a put can never overwrite history.
 */
export const eventEntity = 'EVENT';

export function eventKey(event: Pick<AuditEvent, 'parcelId' | 'locationId' | 'at' | 'eventId'>) {
  return event.parcelId
    ? { PK: `PARCEL#${event.parcelId}`, SK: `EVT#${event.at}#${event.eventId}` }
    : { PK: `LOC#${event.locationId}`, SK: `EVT#${event.at}#${event.eventId}` };
}

export function eventItem(event: AuditEvent): Record<string, unknown> {
  return { ...eventKey(event), entity: eventEntity, ...event };
}

export const eventParts = {
  append: (event: AuditEvent): TransactItem => ({ Put: { TableName: undefined, Item: eventItem(event) } }),
};
