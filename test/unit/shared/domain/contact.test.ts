import { describe, expect, it } from 'vitest';
import {
  contactForParcel,
  isE164,
  isEmail,
  prefilledContact,
  resolveLocale,
  toCarrierContact,
  toContact,
  type Contact,
  type Profile,
} from '#shared/domain/contact';
import { ValidationError } from '#shared/domain/errors';

function problemsOf(attempt: () => unknown): { path: string; message: string }[] {
  try {
    attempt();
  } catch (error) {
    if (error instanceof ValidationError) return [...error.details];
    throw error;
  }
  throw new Error('expected a ValidationError');
}

/** `ana@` + a first label + four labels of 49 letters + `com`, each label within DNS's 63. */
function emailOfLength(length: number): string {
  const first = length - 'ana@'.length - 4 * 50 - 1 - 'com'.length;
  return `ana@${'a'.repeat(first)}.${`${'b'.repeat(49)}.`.repeat(4)}com`;
}

describe('phone numbers', () => {
  it.each(['+447700900123', '+14155550123', '+4915123456789', '+3531234567', '+123456789012345'])('accepts %s in E.164', (phone) => {
    // Act
    const result = isE164(phone);

    // Assess
    expect(result).toBe(true);
  });

  it.each([
    ['no plus', '447700900123'],
    ['a leading zero after the plus', '+07700900123'],
    ['spaces', '+44 7700 900123'],
    ['dashes', '+1-415-555-0123'],
    ['too short', '+123456'],
    ['too long (16 digits)', '+1234567890123456'],
    ['letters', '+44770090012a'],
    ['a trailing newline', '+447700900123\n'],
  ])('refuses a number with %s', (_why, phone) => {
    // Act
    const result = isE164(phone);

    // Assess
    expect(result).toBe(false);
  });
});

describe('email addresses', () => {
  it.each(['ana@example.com', 'ana.maria+parcels@mail.example.co.uk', 'o\'brien@example.ie', 'a@b.io', 'juergen@xn--bcher-kva.de'])('accepts %s', (email) => {
    // Act
    const result = isEmail(email);

    // Assess
    expect(result).toBe(true);
  });

  it.each([
    ['no @', 'ana.example.com'],
    ['two @', 'ana@bob@example.com'],
    ['no dot in the domain', 'ana@localhost'],
    ['a space', 'ana maria@example.com'],
    ['a trailing newline', 'ana@example.com\n'],
    ['an empty local part', '@example.com'],
    ['an empty domain label', 'ana@example..com'],
    ['a domain ending in a dot', 'ana@example.com.'],
    ['a label starting with a hyphen', 'ana@-example.com'],
    ['a local part starting with a dot', '.ana@example.com'],
    ['a quoted local part', '"ana"@example.com'],
    ['a local part over 64 characters', `${'a'.repeat(65)}@example.com`],
    ['more than 254 characters', emailOfLength(255)],
    // SES sends to none of these, or mail systems read them differently (found in review).
    ['non-ASCII letters (SES has no SMTPUTF8)', 'jürgen@bücher.de'],
    ['a comment', '(comment)victim@example.com'],
    ['angle brackets', 'a<b>@example.com'],
    ['a comma', 'a,b@example.com'],
    ['a right-to-left override', 'ana\u202e@example.com'],
    ['a zero-width space', 'ana\u200b@example.com'],
  ])('refuses an address with %s', (_why, email) => {
    // Act
    const result = isEmail(email);

    // Assess
    expect(result).toBe(false);
  });

  it('accepts an address of exactly 254 characters', () => {
    // Prepare
    const email = emailOfLength(254);

    // Act
    const result = isEmail(email);

    // Assess
    expect(email).toHaveLength(254);
    expect(result).toBe(true);
  });
});

describe('a customer profile', () => {
  it('defaults the channels to those with an address', () => {
    // Act
    const both = toContact({ email: 'ana@example.com', phone: '+447700900123' });
    const emailOnly = toContact({ email: 'ana@example.com' });
    const phoneOnly = toContact({ phone: '+447700900123' });

    // Assess
    expect(both.channels).toEqual(['sms', 'email']);
    expect(emailOnly.channels).toEqual(['email']);
    expect(phoneOnly.channels).toEqual(['sms']);
  });

  it('keeps the channels the customer chose, in the canonical order and once each', () => {
    // Act
    const contact = toContact({ email: 'ana@example.com', phone: '+447700900123', channels: ['email', 'sms', 'email'] });

    // Assess
    expect(contact).toEqual({ email: 'ana@example.com', phone: '+447700900123', channels: ['sms', 'email'], locale: 'en' });
  });

  it('keeps an empty channel list: the customer asked to be told nothing', () => {
    // Act
    const contact = toContact({ email: 'ana@example.com', channels: [] });

    // Assess
    expect(contact.channels).toEqual([]);
  });

  it('refuses sms without a phone number and email without an address', () => {
    // Act
    const smsProblems = problemsOf(() => toContact({ email: 'ana@example.com', channels: ['sms'] }));
    const emailProblems = problemsOf(() => toContact({ phone: '+447700900123', channels: ['email'] }));

    // Assess
    expect(smsProblems).toEqual([{ path: 'channels', message: 'sms needs a phone number' }]);
    expect(emailProblems).toEqual([{ path: 'channels', message: 'email needs an email address' }]);
  });

  it('refuses an unknown channel', () => {
    // Act
    const problems = problemsOf(() => toContact({ email: 'ana@example.com', channels: ['email', 'push'] }));

    // Assess
    expect(problems).toEqual([{ path: 'channels', message: 'Unknown channel "push": use sms or email' }]);
  });

  it('names every broken field at once', () => {
    // Act
    const problems = problemsOf(() => toContact({ email: 'ana', phone: '0770 090 0123', locale: 'not a tag!' }));

    // Assess
    expect(problems.map((problem) => problem.path)).toEqual(['email', 'phone', 'locale']);
  });

  it.each([
    ['en', 'en'],
    ['en-GB', 'en'],
    ['EN-us', 'en'],
    ['fr', 'en'],
    ['pt-BR', 'en'],
  ])('resolves the locale %s to the supported %s', (tag, expected) => {
    // Act
    const contact = toContact({ email: 'ana@example.com', locale: tag });

    // Assess
    expect(contact.locale).toBe(expected);
  });

  it('speaks English when no locale is given', () => {
    // Act
    const contact = toContact({ phone: '+447700900123' });

    // Assess
    expect(contact.locale).toBe('en');
  });

  it('refuses text that is not a BCP 47 tag as a locale', () => {
    // Act
    const result = resolveLocale('english please');

    // Assess
    expect(result).toBeUndefined();
  });
});

describe('the carrier-given contact', () => {
  it('refuses a broken phone or email under recipient', () => {
    // Act
    const problems = problemsOf(() => toCarrierContact({ email: 'nobody', phone: '12345' }));

    // Assess
    expect(problems.map((problem) => problem.path)).toEqual(['recipient.email', 'recipient.phone']);
  });

  it('refuses a contact without any address, naming recipient', () => {
    // Act
    const problems = problemsOf(() => toCarrierContact({}));

    // Assess
    expect(problems).toEqual([{ path: 'recipient', message: 'Give an email address, a phone number or both' }]);
  });

  it('keeps a valid contact as given', () => {
    // Act
    const contact = toCarrierContact({ phone: '+447700900123' });

    // Assess
    expect(contact).toEqual({ phone: '+447700900123' });
  });
});

describe('prefilling a profile from the token', () => {
  it('fills an empty profile from the email and phone_number claims', () => {
    // Act
    const contact = prefilledContact(undefined, { email: 'ana@example.com', phone_number: '+447700900123', email_verified: 'true' });

    // Assess
    expect(contact).toEqual({ email: 'ana@example.com', phone: '+447700900123', channels: ['sms', 'email'], locale: 'en' });
  });

  it('keeps a saved profile over the claims', () => {
    // Prepare
    const saved: Contact = { email: 'ana@home.example', channels: ['email'], locale: 'en' };

    // Act
    const contact = prefilledContact(saved, { email: 'ana@work.example', phone_number: '+447700900123' });

    // Assess
    expect(contact).toBe(saved);
  });

  it.each([
    ['as a string', 'false'],
    ['as a boolean', false],
  ])('leaves out a claim the token marks unverified (%s)', (_how, flag) => {
    // Act
    const contact = prefilledContact(undefined, { email: 'ana@example.com', email_verified: flag, phone_number: '+447700900123' });

    // Assess
    expect(contact).toEqual({ phone: '+447700900123', channels: ['sms'], locale: 'en' });
  });

  it('leaves out a claim that breaks the rules instead of refusing the profile', () => {
    // Act
    const contact = prefilledContact(undefined, { email: 'ana@example.com', phone_number: '07700 900123' });

    // Assess
    expect(contact).toEqual({ email: 'ana@example.com', channels: ['email'], locale: 'en' });
  });

  it('has nothing to show when the token names no usable address', () => {
    // Act
    const contact = prefilledContact(undefined, { email: 42 });

    // Assess
    expect(contact).toBeUndefined();
  });
});

describe('choosing whom to tell about a parcel', () => {
  const given = { email: 'recipient@carrier-data.example', phone: '+14155550123' };

  it('prefers the recipient profile over the carrier-given contact', () => {
    // Prepare
    const profile: Profile = { email: 'ana@example.com', channels: ['email'], locale: 'en', verified: ['email'] };

    // Act
    const contact = contactForParcel(profile, given);

    // Assess
    expect(contact).toEqual({ email: 'ana@example.com', channels: ['email'], locale: 'en', source: 'profile' });
  });

  it('respects a profile that asks for no channel at all instead of falling back to the carrier', () => {
    // Prepare
    const profile: Profile = { phone: '+447700900123', channels: [], locale: 'en', verified: ['sms'] };

    // Act
    const contact = contactForParcel(profile, given);

    // Assess
    expect(contact).toEqual({ phone: '+447700900123', channels: [], locale: 'en', source: 'profile' });
  });

  it('tells a profile nothing on an address it has not verified, and does not fall back to the carrier', () => {
    // Prepare: a phone typed into /me whose code was never entered; the email is the token's.
    const profile: Profile = { email: 'ana@example.com', phone: '+447700900123', channels: ['sms', 'email'], locale: 'en', verified: ['email'] };

    // Act
    const contact = contactForParcel(profile, given);

    // Assess
    expect(contact).toEqual({ email: 'ana@example.com', channels: ['email'], locale: 'en', source: 'profile' });
  });

  it('tells a profile with no verified address nothing at all', () => {
    // Prepare
    const profile: Profile = { phone: '+447700900123', channels: ['sms'], locale: 'en', verified: [] };

    // Act
    const contact = contactForParcel(profile, given);

    // Assess
    expect(contact).toEqual({ channels: [], locale: 'en', source: 'profile' });
  });

  it('uses the carrier-given contact on every channel it gives when the recipient has no profile', () => {
    // Act
    const contact = contactForParcel(undefined, given);

    // Assess
    expect(contact).toEqual({ ...given, channels: ['sms', 'email'], locale: 'en', source: 'carrier' });
  });

  it('uses only the channels the carrier gave an address for', () => {
    // Act
    const contact = contactForParcel(undefined, { email: 'recipient@carrier-data.example' });

    // Assess
    expect(contact).toEqual({ email: 'recipient@carrier-data.example', channels: ['email'], locale: 'en', source: 'carrier' });
  });

  it('keeps a saved profile that asks for nothing, even without an address: the carrier cannot override "tell me nothing"', () => {
    // Prepare: what PUT /me {"channels": []} saves.
    const profile: Profile = { channels: [], locale: 'en', verified: [] };

    // Act
    const contact = contactForParcel(profile, { phone: '+14155550123' });

    // Assess
    expect(contact).toEqual({ channels: [], locale: 'en', source: 'profile' });
  });

  it('drops a carrier-given address that breaks the rules', () => {
    // Act
    const contact = contactForParcel(undefined, { email: 'not-an-address', phone: '+14155550123' });

    // Assess
    expect(contact).toEqual({ phone: '+14155550123', channels: ['sms'], locale: 'en', source: 'carrier' });
  });

  it('finds nobody to tell without a profile or a carrier-given contact', () => {
    // Act
    const contact = contactForParcel(undefined, undefined);

    // Assess
    expect(contact).toBeUndefined();
  });
});
