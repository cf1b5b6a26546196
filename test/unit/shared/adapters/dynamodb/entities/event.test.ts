import { describe, expect, it } from 'vitest';
import { eventItem, eventParts, toAuditEvent } from '#shared/adapters/dynamodb/entities/event';
import type { AuditEvent } from '#shared/domain/events';

const lockerEvent: AuditEvent = {
  eventId: 'evt-1',
  type: 'LOCKER_ONLINE',
  at: '2026-11-22T10:00:00.000Z',
  actor: { sub: 'system', role: 'system' },
  locationId: 'loc-1',
  lockerId: 'A',
};

describe('eventParts.append', () => {
  it('files an event about a parcel under the parcel, keyed by time and id', () => {
    // Prepare
    const event: AuditEvent = { ...lockerEvent, type: 'PARCEL_DEPOSITING', slotId: '02', parcelId: 'p-1', to: 'DEPOSITING' };

    // Act
    const part = eventParts.append(event);

    // Assess
    expect(part).toEqual({ Put: { TableName: undefined, Item: { PK: 'PARCEL#p-1', SK: 'EVT#2026-11-22T10:00:00.000Z#evt-1', entity: 'EVENT', ...event } } });
  });

  it('files any other event under its location', () => {
    // Act
    const part = eventParts.append(lockerEvent);

    // Assess
    expect(part).toEqual({ Put: { TableName: undefined, Item: { PK: 'LOC#loc-1', SK: 'EVT#2026-11-22T10:00:00.000Z#evt-1', entity: 'EVENT', ...lockerEvent } } });
  });
});

describe('toAuditEvent', () => {
  it('reads back exactly the event an item was written from', () => {
    // Prepare
    const event: AuditEvent = { ...lockerEvent, type: 'SLOT_FAULT', slotId: '02', parcelId: 'p-1', fault: 'JAMMED' };

    // Act
    const read = toAuditEvent(eventItem(event));

    // Assess
    expect(read).toEqual(event);
  });

  it('keeps attributes that are not the event\'s own out of it', () => {
    // Act
    const read = toAuditEvent({ ...eventItem(lockerEvent), recipientContact: { email: 'ana@example.com' } });

    // Assess
    expect(read).toEqual(lockerEvent);
  });

  it('refuses an item that is not an event, naming each broken field but none of its content', () => {
    // Act
    const reading = () => toAuditEvent({ ...eventItem(lockerEvent), type: 'PARCEL_TELEPORTED', at: 'soon', slotId: 7 });

    // Assess
    expect(reading).toThrow('Not an audit event: bad type, at, slotId');
  });
});
