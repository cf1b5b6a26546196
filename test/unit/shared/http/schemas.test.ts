import { describe, expect, it } from 'vitest';
import { idempotencyKey, identifier, pathParameters, requestBodies } from '#shared/http/schemas';

/**
 * Text that becomes part of a key (ids, recipient ids, idempotency keys) refuses what would make
 * the key ambiguous (`#` separates the parts of our keys), what nobody could type again to find
 * the item (control characters, lone surrogates), and blanks.
 */
const hostile = [
  { why: 'a NUL', value: 'abc\u0000def' },
  { why: 'a newline', value: 'abc\ndefgh' },
  { why: 'DEL', value: 'abcdefgh\u007f' },
  { why: 'a C1 control', value: 'abcdefgh\u0085' },
  { why: 'a lone high surrogate', value: 'abcdefgh\ud800' },
  { why: 'a lone low surrogate', value: '\udc00abcdefgh' },
  { why: 'a "#"', value: 'carrier#key-1' },
  { why: 'nothing', value: '' },
  { why: 'only spaces', value: '        ' },
  { why: 'only a tab and an ideographic space', value: '\t\u3000' },
];

const store = (recipientId: string) => ({ locationId: 'loc-1', recipientId, size: 'S' });

/**
 * A recipient id is free text that a carrier types or copies: it must also be something a person
 * can see and type again the same way, or the parcel is filed under a name nobody else can match.
 */
const invisibleOrUnnormalized = [
  { why: 'a zero-width space', value: 'cust\u200bomer-1' },
  { why: 'a word joiner', value: 'cust\u2060omer-1' },
  { why: 'a soft hyphen', value: 'cust\u00adomer-1' },
  { why: 'a right-to-left override', value: 'customer-\u202e1-\u202c' },
  { why: 'a left-to-right isolate', value: 'customer-\u20661\u2069' },
  { why: 'a byte order mark', value: '\ufeffcustomer-1' },
  { why: 'a tag character', value: 'customer-1\u{e0041}' },
  { why: 'a Hangul filler', value: 'customer\u3164-1' },
  { why: 'a halfwidth Hangul filler', value: 'customer\uffa0-1' },
  { why: 'a braille blank', value: 'customer\u2800-1' },
  { why: 'a noncharacter in the FDD0 block', value: 'customer\ufdd0-1' },
  { why: 'the noncharacter U+FFFE', value: 'customer-1\ufffe' },
  { why: 'an astral noncharacter', value: 'customer-1\u{1fffe}' },
  { why: 'a leading combining mark', value: '\u0301customer-1' },
  { why: 'a leading space', value: ' customer-1' },
  { why: 'a trailing space', value: 'customer-1 ' },
  { why: 'a trailing no-break space', value: 'customer-1\u00a0' },
  { why: 'a line separator', value: 'customer\u20281' },
  { why: 'text not in NFC (e + combining acute)', value: 'Zoe\u0301' },
];

describe('request schemas', () => {
  it('take a 10-digit code at the kiosk and in the app, and an 8-digit code issued before in the app only', () => {
    // Act
    const accepted = (route: 'retrieve-parcel' | 'kiosk-pickup', pickupCode: string) => requestBodies[route].safeParse({ pickupCode }).success;

    // Assess
    expect({
      appTen: accepted('retrieve-parcel', '1234567890'),
      appEight: accepted('retrieve-parcel', '12345678'),
      appNine: accepted('retrieve-parcel', '123456789'),
      kioskTen: accepted('kiosk-pickup', '1234567890'),
      kioskEight: accepted('kiosk-pickup', '12345678'),
    }).toEqual({ appTen: true, appEight: true, appNine: false, kioskTen: true, kioskEight: false });
  });

  it.each(hostile)('refuse a recipientId with $why', ({ value }) => {
    // Act
    const result = requestBodies['store-parcel'].safeParse(store(value));

    // Assess
    expect(result.success).toBe(false);
  });

  it.each(invisibleOrUnnormalized)('refuse a recipientId with $why', ({ value }) => {
    // Act
    const result = requestBodies['store-parcel'].safeParse(store(value));

    // Assess
    expect(result.success).toBe(false);
  });

  it.each(hostile)('refuse an Idempotency-Key with $why', ({ value }) => {
    // Act
    const result = idempotencyKey.safeParse(value);

    // Assess
    expect(result.success).toBe(false);
  });

  it.each(hostile)('refuse an id with $why, in a path or a body', ({ value }) => {
    // Act
    const results = [identifier.safeParse(value), pathParameters.parcel.safeParse({ parcelId: value }), requestBodies['store-parcel'].safeParse({ ...store('cust-1'), parcelId: value })];

    // Assess
    expect(results.map((result) => result.success)).toEqual([false, false, false]);
  });

  it.each([
    { why: 'a Cognito sub', value: '3f2a9c1e-7b61-41e6-9a41-93e8deadbeef' },
    { why: 'an external id with spaces and punctuation', value: 'ACME Corp / customer 42 (Zoë)' },
    { why: 'characters beyond the BMP', value: 'user-😀-𝔘' },
    { why: 'in NFC with accents and a combining mark after a letter', value: 'Zoë Ångström \u0915\u094d\u0937' },
    { why: '128 characters', value: 'r'.repeat(128) },
  ])('accept a recipientId that is $why', ({ value }) => {
    // Act
    const result = requestBodies['store-parcel'].safeParse(store(value));

    // Assess
    expect(result).toEqual({ success: true, data: store(value) });
  });

  it('refuses a recipientId over 128 characters', () => {
    // Act
    const result = requestBodies['store-parcel'].safeParse(store('r'.repeat(129)));

    // Assess
    expect(result.success).toBe(false);
  });

  it('accepts a store with the recipient\'s email, phone or both, and without a recipient', () => {
    // Act
    const results = [{ email: 'ana@example.com' }, { phone: '+447700900123' }, { email: 'ana@example.com', phone: '+447700900123' }, undefined].map(
      (recipient) => requestBodies['store-parcel'].safeParse({ ...store('cust-1'), ...(recipient === undefined ? {} : { recipient }) }).success,
    );

    // Assess
    expect(results).toEqual([true, true, true, true]);
  });

  it.each([
    { why: 'is empty', recipient: {}, paths: ['recipient'] },
    { why: 'has a phone not in E.164', recipient: { phone: '07700 900123' }, paths: ['recipient.phone'] },
    { why: 'has an email without a domain', recipient: { email: 'ana@localhost' }, paths: ['recipient.email'] },
    { why: 'has a field besides email and phone', recipient: { email: 'ana@example.com', name: 'Ana' }, paths: ['recipient'] },
    { why: 'has a phone over 16 characters', recipient: { phone: `+${'1'.repeat(16)}` }, paths: ['recipient.phone'] },
  ])('refuse a store whose recipient $why, naming the field', ({ recipient, paths }) => {
    // Act
    const result = requestBodies['store-parcel'].safeParse({ ...store('cust-1'), recipient });

    // Assess
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(paths);
  });

  it('accepts a whole profile and an empty one', () => {
    // Act
    const results = [{ email: 'ana@example.com', phone: '+447700900123', channels: ['sms'], locale: 'en-GB' }, {}].map(
      (body) => requestBodies['put-profile'].safeParse(body),
    );

    // Assess
    expect(results.map((result) => result.success)).toEqual([true, true]);
  });

  it.each([
    { why: 'a phone not in E.164', body: { phone: '+44 7700 900123' }, paths: ['phone'] },
    { why: 'an email with two @', body: { email: 'ana@@example.com' }, paths: ['email'] },
    { why: 'sms without a phone', body: { email: 'ana@example.com', channels: ['sms'] }, paths: ['channels'] },
    { why: 'an unknown channel', body: { channels: ['pigeon'] }, paths: ['channels.0'] },
    { why: 'a locale that is no language tag', body: { locale: 'english please' }, paths: ['locale'] },
    { why: 'an unknown field', body: { email: 'ana@example.com', name: 'Ana' }, paths: [''] },
    { why: 'a channel given as a string', body: { phone: '+447700900123', channels: 'sms' }, paths: ['channels'] },
  ])('refuse a profile with $why, naming the field', ({ body, paths }) => {
    // Act
    const result = requestBodies['put-profile'].safeParse(body);

    // Assess
    expect([...new Set(result.error?.issues.map((issue) => issue.path.join('.')))]).toEqual(paths);
  });

  it('accepts an Idempotency-Key of visible ASCII other than "#"', () => {
    // Act
    const result = idempotencyKey.safeParse('order-2026/11/22:42!~');

    // Assess
    expect(result).toEqual({ success: true, data: 'order-2026/11/22:42!~' });
  });
});
