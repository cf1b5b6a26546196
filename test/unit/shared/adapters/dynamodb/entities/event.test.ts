import { describe, expect, it } from 'vitest';
import { eventParts } from '#shared/adapters/dynamodb/entities/event';
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
