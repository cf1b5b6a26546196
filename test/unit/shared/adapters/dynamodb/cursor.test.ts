import { describe, expect, it } from 'vitest';
import { SealedCursors, unsealedCursors } from '#shared/adapters/dynamodb/cursor';
import { ValidationError } from '#shared/domain/errors';

const secret = 'unit-test-secret-0123456789abcdef0123';
const cursors = new SealedCursors(secret);
const scope = 'parcels-by-recipient\nUSER#cust-1';
const key = { PK: 'PARCEL#p-1', SK: 'META', recipientPk: 'USER#cust-1', recipientSk: '2026-11-22T10:00:00.000Z#p-1' };

const refusal = (decode: () => unknown) => {
  try {
    decode();
    return 'accepted';
  } catch (error) {
    return error instanceof ValidationError ? { code: error.code, details: error.details } : String(error);
  }
};

describe('SealedCursors', () => {
  it('gives back the key it sealed for the same listing', () => {
    // Act
    const decoded = cursors.decode(cursors.encode(key, scope)!, scope);

    // Assess
    expect(decoded).toEqual(key);
  });

  it('gives no cursor when there is no last key', () => {
    // Act
    const cursor = cursors.encode(undefined, scope);

    // Assess
    expect(cursor).toBeUndefined();
  });

  it('hides the key: neither the cursor nor its bytes contain any attribute name or value', () => {
    // Act
    const cursor = cursors.encode(key, scope)!;

    // Assess
    const texts = [cursor, Buffer.from(cursor, 'base64url').toString('latin1')];
    expect(texts.filter((text) => ['PARCEL', 'USER', 'cust-1', 'recipientPk', 'META'].some((part) => text.includes(part)))).toEqual([]);
  });

  it.each([
    { why: 'issued for another listing', cursor: () => cursors.encode(key, 'parcels-by-recipient\nUSER#cust-2')! },
    { why: 'issued under another secret', cursor: () => new SealedCursors(`${secret}-rotated`).encode(key, scope)! },
    { why: 'truncated', cursor: () => cursors.encode(key, scope)!.slice(0, -3) },
    { why: 'cut to its header', cursor: () => cursors.encode(key, scope)!.slice(0, 38) },
    { why: 'altered in one byte', cursor: () => alter(cursors.encode(key, scope)!, 40) },
    { why: 'of another version', cursor: () => alter(cursors.encode(key, scope)!, 0) },
    { why: 'the key in plain base64url JSON', cursor: () => Buffer.from(JSON.stringify(key)).toString('base64url') },
    { why: 'empty', cursor: () => '' },
    { why: 'not base64url', cursor: () => '%%%%' },
  ])('refuses a cursor $why with a VALIDATION_ERROR on query.cursor', ({ cursor }) => {
    // Prepare
    const given = cursor();

    // Act
    const outcome = refusal(() => cursors.decode(given, scope));

    // Assess
    expect(outcome).toEqual({ code: 'VALIDATION_ERROR', details: [{ path: 'query.cursor', message: expect.any(String) }] });
  });
});

describe('unsealedCursors', () => {
  it('lets a function without the secret list a single page, and names the missing need when there are more', () => {
    // Prepare
    const none = unsealedCursors('list-things');

    // Act
    const outcomes = [none.encode(undefined, scope), refusal(() => none.encode(key, scope)), refusal(() => none.decode('x', scope))];

    // Assess
    expect(outcomes).toEqual([undefined, expect.stringContaining('list-things'), expect.stringContaining('pickupCodeSecret')]);
  });
});

function alter(cursor: string, byte: number): string {
  const bytes = Buffer.from(cursor, 'base64url');
  bytes[byte] = (bytes[byte] ?? 0) ^ 0x01;
  return bytes.toString('base64url');
}
