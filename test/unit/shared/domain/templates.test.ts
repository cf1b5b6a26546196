import { describe, expect, it } from 'vitest';
import { channels } from '#shared/domain/contact';
import {
  alertTemplates,
  gsmLength,
  recipientTemplates,
  render,
  smsSegmentLimit,
  snsSubjectLimit,
  type AlertKind,
  type MessageKind,
  type MessageVars,
} from '#shared/domain/templates';

const place = {
  parcelId: 'p-7Q2X9K',
  // 30 characters: a realistic long name; longer ones are shortened in SMS.
  locationName: 'Central Station North Entrance',
  address: '1 Station Square, Springfield SP1 2AB',
  lockerId: 'L12',
  slotId: 'B07',
  deadline: '2025-05-02T14:00:00.000Z',
};
const code = '4830192755';

const vars: MessageVars = {
  READY_FOR_PICKUP: { ...place, code },
  NEW_CODE: { ...place, code },
  REMINDER: place,
  PICKED_UP: { ...place, at: '2025-04-30T09:15:00.000Z' },
  EXPIRED: place,
  CANCELLED: place,
  RETURNED: place,
};
const kinds = Object.keys(vars) as MessageKind[];

/** The variables each English message must show, by channel. */
const shows: Record<MessageKind, { sms: string[]; email: string[] }> = {
  READY_FOR_PICKUP: {
    sms: [code, place.locationName, 'locker L12 slot B07', 'Fri 2 May, 14:00 UTC'],
    email: [code, place.locationName, place.address, 'Locker L12, slot B07', 'Fri 2 May, 14:00 UTC', place.parcelId],
  },
  NEW_CODE: { sms: [code, place.locationName], email: [code, place.locationName, place.address, 'Locker L12, slot B07', place.parcelId] },
  REMINDER: {
    sms: [place.locationName, 'Fri 2 May, 14:00 UTC'],
    email: [place.locationName, place.address, 'Locker L12, slot B07', 'Fri 2 May, 14:00 UTC', place.parcelId],
  },
  PICKED_UP: { sms: [place.locationName, 'Wed 30 Apr, 09:15 UTC'], email: [place.locationName, place.address, 'Wed 30 Apr, 09:15 UTC', place.parcelId] },
  EXPIRED: { sms: [place.locationName, 'sender'], email: [place.locationName, place.address, 'sender', place.parcelId] },
  CANCELLED: { sms: [place.locationName], email: [place.locationName, place.address, place.parcelId] },
  RETURNED: { sms: [place.locationName, 'sender'], email: [place.locationName, place.address, 'sender', place.parcelId] },
};

describe('recipient templates', () => {
  it.each(kinds.flatMap((kind) => channels.map((channel) => [kind, channel] as const)))('render %s by %s in English with its variables', (kind, channel) => {
    // Act
    const { body } = render('en', kind, channel, vars[kind] as never);

    // Assess
    for (const text of shows[kind][channel]) expect(body).toContain(text);
    expect(body).not.toMatch(/undefined|\$\{|NaN|Invalid Date/);
  });

  it.each(kinds)('give every %s email a one-line subject and every SMS none', (kind) => {
    // Act
    const email = render('en', kind, 'email', vars[kind] as never);
    const sms = render('en', kind, 'sms', vars[kind] as never);

    // Assess
    expect(email.subject).toMatch(/^[^\n]{10,}$/);
    expect(sms.subject).toBeUndefined();
  });

  it.each(kinds)('fit the %s SMS in one GSM-7 message', (kind) => {
    // Act
    const { body } = render('en', kind, 'sms', vars[kind] as never);

    // Assess
    expect(gsmLength(body)).toBeLessThanOrEqual(smsSegmentLimit);
  });

  it.each(kinds)('shorten a long location name so the %s SMS still fits one message', (kind) => {
    // Prepare
    const long = { ...vars[kind], locationName: 'The Very Long Name Of A Shopping Centre With Many Entrances And Floors' };

    // Act
    const { body } = render('en', kind, 'sms', long as never);

    // Assess
    expect(body).toContain('The Very Long Name Of A Sho...');
    expect(gsmLength(body)).toBeLessThanOrEqual(smsSegmentLimit);
  });

  it('give the address in the ready SMS when it fits one message, and leave it to the email when it does not', () => {
    // Act
    const fits = render('en', 'READY_FOR_PICKUP', 'sms', { ...vars.READY_FOR_PICKUP, address: '1 Station Sq' }).body;
    const long = render('en', 'READY_FOR_PICKUP', 'sms', { ...vars.READY_FOR_PICKUP, address: 'Unit 14, Level 2, Riverside Retail Park, 221 Long Industrial Estate Road' }).body;

    // Assess
    expect(fits).toContain(', 1 Station Sq, locker');
    expect(gsmLength(fits)).toBeLessThanOrEqual(smsSegmentLimit);
    expect(long).not.toContain('Riverside');
    expect(gsmLength(long)).toBeLessThanOrEqual(smsSegmentLimit);
  });

  it('show the deadline in the location time zone when one is given', () => {
    // Act
    const { body } = render('en', 'READY_FOR_PICKUP', 'sms', { ...vars.READY_FOR_PICKUP, timeZone: 'Europe/Warsaw' });

    // Assess
    expect(body).toContain('Fri 2 May, 16:00 CEST');
  });

  it('exist for every supported locale and every kind on every channel', () => {
    // Act
    const missing = Object.entries(recipientTemplates).flatMap(([locale, templates]) =>
      kinds.flatMap((kind) => channels.filter((channel) => typeof templates[kind]?.[channel] !== 'function').map((channel) => `${locale}/${kind}/${channel}`)),
    );

    // Assess
    expect(missing).toEqual([]);
  });
});

describe('GSM-7 length', () => {
  it('counts the basic set once and the extension set twice', () => {
    // Act
    const length = gsmLength('Code {1234} €');

    // Assess
    expect(length).toBe(16);
  });

  it('has no GSM-7 length for text that needs UCS-2', () => {
    // Act
    const length = gsmLength('Łódź…');

    // Assess
    expect(length).toBeUndefined();
  });
});

describe('operator alerts', () => {
  const alertKinds = Object.keys(alertTemplates) as AlertKind[];
  const alertVars = { locationId: 'loc-central', locationName: place.locationName, lockerId: 'L12', slotId: 'B07', parcelId: place.parcelId, fault: 'JAMMED', at: '2025-04-30T09:15:00.000Z' };

  it.each(alertKinds)('give the %s alert a subject SNS accepts', (kind) => {
    // Act
    const { subject } = alertTemplates[kind](alertVars);

    // Assess
    expect(subject.length).toBeLessThanOrEqual(snsSubjectLimit);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it.each(alertKinds)('say where the %s alert happened', (kind) => {
    // Act
    const { body } = alertTemplates[kind](alertVars);

    // Assess
    for (const text of ['loc-central', place.locationName, 'L12', 'B07', place.parcelId, '2025-04-30T09:15:00.000Z']) expect(body).toContain(text);
  });
});
