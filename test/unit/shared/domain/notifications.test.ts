import { describe, expect, it } from 'vitest';
import type { ParcelContact } from '#shared/domain/contact';
import type { AuditEvent, EventType } from '#shared/domain/events';
import {
  audiencesOf,
  integratorMessageFor,
  isEventType,
  isReminderDue,
  needsCode,
  notificationsFor,
  operatorAlertFor,
  reminderDueAt,
  type NotificationFacts,
} from '#shared/domain/notifications';
import type { ParcelStatus } from '#shared/domain/parcel';

const eventTypes: EventType[] = [
  'LOCATION_CREATED', 'LOCKER_ADDED', 'LOCKER_REMOVED', 'SLOT_STATUS_CHANGED', 'PARCEL_STORED', 'PARCEL_RETRIEVED',
  'PARCEL_CANCELLED', 'PARCEL_EXPIRED', 'PARCEL_RETURNED', 'PICKUP_CODE_REJECTED', 'PICKUP_CODE_REISSUED', 'PARCEL_REMINDER_DUE', 'PARCEL_DEPOSITING',
  'PARCEL_MOVED', 'PARCEL_DEPOSIT_FAILED', 'PARCEL_COLLECTING', 'PARCEL_PICKUP_FAILED', 'DOOR_COMMANDED', 'DOOR_COMMAND_WITHDRAWN', 'DOOR_REPORTED',
  'DOOR_OPENED_LATE', 'SLOT_FAULT', 'SLOT_RESTORED', 'LOCKER_ONLINE', 'LOCKER_OFFLINE',
];

const code = '4830192755';
const contact: ParcelContact = { email: 'ana@example.com', phone: '+447700900123', channels: ['sms', 'email'], locale: 'en', source: 'profile' };

/** The status a parcel has once the event has happened, as the notifier reads it. */
const statusAfter: Partial<Record<EventType, ParcelStatus>> = {
  PARCEL_RETRIEVED: 'RETRIEVED',
  PARCEL_CANCELLED: 'CANCELLED',
  PARCEL_EXPIRED: 'EXPIRED',
  PARCEL_RETURNED: 'RETURNED',
  PARCEL_DEPOSITING: 'DEPOSITING',
  PARCEL_MOVED: 'DEPOSITING',
  PARCEL_DEPOSIT_FAILED: 'DEPOSIT_FAILED',
  PARCEL_COLLECTING: 'COLLECTING',
};

function eventOf(type: EventType, extra: Partial<AuditEvent> = {}): AuditEvent {
  return {
    eventId: `evt-${type}`,
    type,
    at: '2025-04-30T09:15:00.000Z',
    actor: { sub: 'carrier-1', role: 'carrier' },
    locationId: 'loc-central',
    lockerId: 'L12',
    slotId: 'B07',
    parcelId: 'p-1',
    ...(type === 'PARCEL_CANCELLED' ? { from: 'STORED', to: 'CANCELLED' } : {}),
    ...(type === 'SLOT_FAULT' || type === 'PARCEL_PICKUP_FAILED' ? { fault: 'JAMMED' } : {}),
    ...extra,
  };
}

function factsFor(type: EventType, extra: Partial<NotificationFacts> = {}): NotificationFacts {
  return {
    parcel: { parcelId: 'p-1', status: statusAfter[type] ?? 'STORED', lockerId: 'L12', slotId: 'B07', carrierId: 'carrier-1', expiresAt: '2025-05-02T14:00:00.000Z' },
    location: { locationId: 'loc-central', name: 'Central Station', address: '1 Station Square, Springfield' },
    contact,
    code,
    ...extra,
  };
}

/** Who hears about what: recipient message channels, operators, integrators. */
const expected: Record<EventType, { recipient: boolean; operators?: string; integrators: boolean }> = {
  PARCEL_STORED: { recipient: true, integrators: true },
  PICKUP_CODE_REISSUED: { recipient: true, integrators: true },
  PARCEL_REMINDER_DUE: { recipient: true, integrators: true },
  PARCEL_RETRIEVED: { recipient: true, integrators: true },
  PARCEL_EXPIRED: { recipient: true, integrators: true },
  PARCEL_CANCELLED: { recipient: true, integrators: true },
  PARCEL_RETURNED: { recipient: true, integrators: true },
  PARCEL_DEPOSITING: { recipient: false, integrators: true },
  PARCEL_MOVED: { recipient: false, integrators: true },
  PARCEL_COLLECTING: { recipient: false, integrators: true },
  PARCEL_DEPOSIT_FAILED: { recipient: false, operators: 'DEPOSIT_FAILED', integrators: true },
  PARCEL_PICKUP_FAILED: { recipient: false, operators: 'PICKUP_FAILED', integrators: true },
  PICKUP_CODE_REJECTED: { recipient: false, integrators: false },
  SLOT_FAULT: { recipient: false, operators: 'PARCEL_STUCK', integrators: false },
  SLOT_RESTORED: { recipient: false, operators: 'SLOT_RESTORED', integrators: false },
  DOOR_OPENED_LATE: { recipient: false, operators: 'DOOR_OPENED_LATE', integrators: false },
  LOCKER_ONLINE: { recipient: false, integrators: false },
  LOCKER_OFFLINE: { recipient: false, integrators: false },
  DOOR_COMMANDED: { recipient: false, integrators: false },
  DOOR_COMMAND_WITHDRAWN: { recipient: false, integrators: false },
  DOOR_REPORTED: { recipient: false, integrators: false },
  LOCATION_CREATED: { recipient: false, integrators: false },
  LOCKER_ADDED: { recipient: false, integrators: false },
  LOCKER_REMOVED: { recipient: false, integrators: false },
  SLOT_STATUS_CHANGED: { recipient: false, integrators: false },
};

describe('whom each event notifies', () => {
  it.each(eventTypes)('%s reaches the audiences it should', (type) => {
    // Prepare
    const event = eventOf(type);
    const facts = factsFor(type);

    // Act
    const messages = notificationsFor(event, facts);
    const alert = operatorAlertFor(event, facts);
    const published = integratorMessageFor(event, facts);

    // Assess
    expect(messages.map((message) => message.channel)).toEqual(expected[type].recipient ? ['sms', 'email'] : []);
    expect(alert?.attributes.alert).toBe(expected[type].operators);
    expect(published !== undefined).toBe(expected[type].integrators);
  });

  it('sends each channel to its own address with a key per event and channel', () => {
    // Act
    const messages = notificationsFor(eventOf('PARCEL_STORED'), factsFor('PARCEL_STORED'));

    // Assess
    expect(messages.map(({ channel, to, idempotencyKey }) => ({ channel, to, idempotencyKey }))).toEqual([
      { channel: 'sms', to: '+447700900123', idempotencyKey: 'evt-PARCEL_STORED#sms' },
      { channel: 'email', to: 'ana@example.com', idempotencyKey: 'evt-PARCEL_STORED#email' },
    ]);
    expect(messages[0]!.subject).toBeUndefined();
    expect(messages[1]!.subject).toBe('Your parcel is ready for pickup at Central Station');
  });

  it('tells the recipient only on the channels of their contact', () => {
    // Prepare
    const facts = factsFor('PARCEL_STORED', { contact: { ...contact, channels: ['email'] } });

    // Act
    const messages = notificationsFor(eventOf('PARCEL_STORED'), facts);

    // Assess
    expect(messages.map((message) => message.channel)).toEqual(['email']);
  });

  it('tells nobody when the parcel has no contact', () => {
    // Prepare: with nobody to tell, the notifier decrypts no code either.
    const { contact: _none, code: _noCode, ...facts } = factsFor('PARCEL_STORED');

    // Act
    const messages = notificationsFor(eventOf('PARCEL_STORED'), facts);

    // Assess
    expect(messages).toEqual([]);
  });

  it('does not tell the recipient of a parcel cancelled before it was ever stored', () => {
    // Prepare
    const event = eventOf('PARCEL_CANCELLED', { from: 'DEPOSITING', to: 'CANCELLED' });

    // Act
    const messages = notificationsFor(event, factsFor('PARCEL_CANCELLED'));

    // Assess
    expect(messages).toEqual([]);
  });

  it("tells a carrier's contact that the parcel is ready, on every channel it gives", () => {
    // Prepare
    const facts = factsFor('PARCEL_STORED', { contact: { ...contact, source: 'carrier' } });

    // Act
    const messages = notificationsFor(eventOf('PARCEL_STORED'), facts);

    // Assess
    expect(messages.map((message) => message.channel)).toEqual(['sms', 'email']);
  });

  it.each(['PICKUP_CODE_REISSUED', 'PARCEL_REMINDER_DUE', 'PARCEL_RETRIEVED', 'PARCEL_EXPIRED', 'PARCEL_CANCELLED', 'PARCEL_RETURNED'] as const)(
    "tells a carrier's contact, which nobody verified, nothing of %s",
    (type) => {
      // Prepare: a carrier storing and cancelling in a loop must not get a message per cancel.
      const facts = factsFor(type, { contact: { ...contact, source: 'carrier' } });

      // Act
      const messages = notificationsFor(eventOf(type), facts);

      // Assess
      expect(messages).toEqual([]);
      expect(notificationsFor(eventOf(type), factsFor(type)).length).toBeGreaterThan(0);
    },
  );

  it.each(['RETRIEVED', 'EXPIRED', 'CANCELLED'] as const)('sends no code for a ready event read after the parcel became %s', (status) => {
    // Prepare
    const facts = factsFor('PARCEL_STORED', { parcel: { ...factsFor('PARCEL_STORED').parcel, status } });

    // Act
    const messages = notificationsFor(eventOf('PARCEL_STORED'), facts);

    // Assess
    expect(messages).toEqual([]);
  });

  it('fails loudly when a collectable parcel has no code to send', () => {
    // Prepare
    const { code: _none, ...facts } = factsFor('PARCEL_STORED');

    // Act
    const attempt = () => notificationsFor(eventOf('PARCEL_STORED'), facts);

    // Assess
    expect(attempt).toThrow('The pickup code of parcel p-1 is needed for READY_FOR_PICKUP');
  });

  it('asks for the code only for the ready and new-code events', () => {
    // Act
    const needing = eventTypes.filter(needsCode);

    // Assess
    expect(needing).toEqual(['PARCEL_STORED', 'PICKUP_CODE_REISSUED']);
  });

  it('alerts operators to a door fault on an empty slot as a door fault', () => {
    // Prepare
    const { parcelId: _none, ...event } = eventOf('SLOT_FAULT');

    // Act
    const alert = operatorAlertFor(event, factsFor('SLOT_FAULT'));

    // Assess
    expect(alert).toMatchObject({
      subject: 'Door fault JAMMED at loc-central/L12/B07',
      attributes: { eventType: 'SLOT_FAULT', locationId: 'loc-central', alert: 'DOOR_FAULT' },
      idempotencyKey: 'evt-SLOT_FAULT#operators',
    });
  });

  it('publishes a parcel event to integrators with the attributes their filter policies use', () => {
    // Act
    const published = integratorMessageFor(eventOf('PARCEL_STORED', { from: 'DEPOSITING', to: 'STORED' }), factsFor('PARCEL_STORED'));

    // Assess
    expect(published).toEqual({
      message: {
        eventId: 'evt-PARCEL_STORED',
        eventType: 'PARCEL_STORED',
        at: '2025-04-30T09:15:00.000Z',
        parcelId: 'p-1',
        carrierId: 'carrier-1',
        locationId: 'loc-central',
        lockerId: 'L12',
        slotId: 'B07',
        from: 'DEPOSITING',
        to: 'STORED',
        expiresAt: '2025-05-02T14:00:00.000Z',
      },
      attributes: { eventType: 'PARCEL_STORED', locationId: 'loc-central', carrierId: 'carrier-1' },
      idempotencyKey: 'evt-PARCEL_STORED#parcel-events',
    });
  });
});

describe('the pickup code', () => {
  const codeBearing: EventType[] = ['PARCEL_STORED', 'PICKUP_CODE_REISSUED'];

  it.each(eventTypes)('appears in no operator or integrator payload for %s', (type) => {
    // Prepare: facts hold the code, as they would if a caller passed everything it had.
    const event = eventOf(type);
    const facts = factsFor(type);

    // Act
    const payloads = JSON.stringify([operatorAlertFor(event, facts), integratorMessageFor(event, facts)]);

    // Assess
    expect(payloads).not.toContain(code);
  });

  it.each(eventTypes.filter((type) => !codeBearing.includes(type)))('appears in no recipient message for %s', (type) => {
    // Act
    const messages = notificationsFor(eventOf(type), factsFor(type));

    // Assess
    expect(JSON.stringify(messages)).not.toContain(code);
  });

  it.each(codeBearing)('appears in every recipient message for %s', (type) => {
    // Act
    const messages = notificationsFor(eventOf(type), factsFor(type));

    // Assess
    expect(messages).toHaveLength(2);
    for (const message of messages) expect(message.body).toContain(code);
  });

  it('appears in no reminder', () => {
    // Act
    const messages = notificationsFor(eventOf('PARCEL_REMINDER_DUE'), factsFor('PARCEL_REMINDER_DUE'));

    // Assess
    expect(messages).toHaveLength(2);
    expect(JSON.stringify(messages)).not.toContain(code);
  });
});

describe('the reminder', () => {
  const parcel = { status: 'STORED' as const, expiresAt: '2025-05-03T12:00:00.000Z', pickupWindowHours: 72 };

  it('is due 24 hours before the deadline by default', () => {
    // Act
    const due = reminderDueAt(parcel);

    // Assess
    expect(due?.toISOString()).toBe('2025-05-02T12:00:00.000Z');
  });

  it('is due when the location asks, such as 6 hours before', () => {
    // Act
    const due = reminderDueAt(parcel, 6);

    // Assess
    expect(due?.toISOString()).toBe('2025-05-03T06:00:00.000Z');
  });

  it.each([
    ['before its time', '2025-05-02T11:59:59.000Z', false],
    ['at its time', '2025-05-02T12:00:00.000Z', true],
    ['between its time and the deadline', '2025-05-03T11:00:00.000Z', true],
    ['at the deadline', '2025-05-03T12:00:00.000Z', false],
  ])('is %s: %s → %s', (_when, now, due) => {
    // Act
    const result = isReminderDue(parcel, new Date(now));

    // Assess
    expect(result).toBe(due);
  });

  it('is not due for a parcel that is no longer waiting', () => {
    // Act
    const result = isReminderDue({ ...parcel, status: 'RETRIEVED' }, new Date('2025-05-03T00:00:00.000Z'));

    // Assess
    expect(result).toBe(false);
  });

  it('is never due when the whole pickup window is no longer than the lead time', () => {
    // Act
    const due = reminderDueAt({ ...parcel, pickupWindowHours: 24 });

    // Assess
    expect(due).toBeUndefined();
  });

  it('is sent once per channel for the one reminder event the sweep writes for a parcel', () => {
    // Act
    const messages = notificationsFor(eventOf('PARCEL_REMINDER_DUE'), factsFor('PARCEL_REMINDER_DUE'));

    // Assess
    expect(messages.map((message) => message.idempotencyKey)).toEqual(['evt-PARCEL_REMINDER_DUE#sms', 'evt-PARCEL_REMINDER_DUE#email']);
    expect(messages[1]!.subject).toBe('Reminder: collect your parcel from Central Station');
  });
});

describe('who may hear of an event type', () => {
  it('knows before reading anything that door reports tell nobody and a store tells the recipient and integrators', () => {
    // Act / Assess
    expect({ report: audiencesOf('DOOR_REPORTED'), stored: audiencesOf('PARCEL_STORED'), fault: audiencesOf('SLOT_FAULT') }).toEqual({
      report: { recipient: false, operators: false, integrators: false },
      stored: { recipient: true, operators: false, integrators: true },
      fault: { recipient: false, operators: true, integrators: false },
    });
  });

  it('tells an event type it knows from any other text', () => {
    // Act / Assess
    expect([isEventType('PARCEL_STORED'), isEventType('toString'), isEventType('PARCEL_TELEPORTED'), isEventType(7)]).toEqual([true, false, false, false]);
  });
});
