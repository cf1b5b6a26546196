import type { AuditEvent } from '#shared/domain/events';
import { isEventType } from '#shared/domain/notifications';
import type { TransactItem } from '../client.ts';
import { locationPartition } from './location.ts';
import { parcelPartition } from './parcel.ts';

/**
 * The event entity: the audit trail and the outbox. Parcel events live under the parcel,
 * everything else under its location, so each object's history is one Query. The key is unique
 * per event, so a put can never overwrite history.
 */
export const eventEntity = 'EVENT';

export function eventKey(event: Pick<AuditEvent, 'parcelId' | 'locationId' | 'at' | 'eventId'>) {
  return event.parcelId
    ? { PK: parcelPartition(event.parcelId), SK: `EVT#${event.at}#${event.eventId}` }
    : { PK: locationPartition(event.locationId), SK: `EVT#${event.at}#${event.eventId}` };
}

export function eventItem(event: AuditEvent): Record<string, unknown> {
  return { ...eventKey(event), entity: eventEntity, ...event };
}

export const eventParts = {
  append: (event: AuditEvent): TransactItem => ({ Put: { TableName: undefined, Item: eventItem(event) } }),
};

const optionalFields = ['lockerId', 'slotId', 'parcelId', 'from', 'to', 'commandId', 'fault', 'reason'] as const;

/**
 * An event item read back (from the table's stream): only the event's own fields, each checked,
 * so a malformed item fails loudly instead of reaching a message half-filled.
 * @throws Error naming what is wrong (never the item's content).
 */
export function toAuditEvent(item: Record<string, unknown>): AuditEvent {
  const { eventId, type, at, actor, locationId } = item;
  const text = (value: unknown) => typeof value === 'string' && value.length > 0;
  const problems = [
    !text(eventId) && 'eventId',
    !isEventType(type) && 'type',
    !(text(at) && !Number.isNaN(Date.parse(at as string))) && 'at',
    !text(locationId) && 'locationId',
    !(typeof actor === 'object' && actor !== null && text((actor as Record<string, unknown>).sub) && text((actor as Record<string, unknown>).role)) && 'actor',
    ...optionalFields.map((field) => item[field] !== undefined && !text(item[field]) && field),
  ].filter((problem): problem is string => problem !== false);
  if (problems.length > 0) throw new Error(`Not an audit event: bad ${problems.join(', ')}`);
  const { sub, role } = actor as { sub: string; role: AuditEvent['actor']['role'] };
  return {
    eventId: eventId as string,
    type: type as AuditEvent['type'],
    at: at as string,
    actor: { sub, role },
    locationId: locationId as string,
    ...Object.fromEntries(optionalFields.filter((field) => item[field] !== undefined).map((field) => [field, item[field] as string])),
  };
}
