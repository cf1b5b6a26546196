import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { CryptoPickupCodeVault, randomPickupCodes, randomVerificationCodes } from '#shared/adapters/pickup-code-vault';

const vault = new CryptoPickupCodeVault('unit-test-secret-0123456789abcdefghij');
const otherVault = new CryptoPickupCodeVault('another-secret-0123456789abcdefghijkl');

/** Flips one bit of the byte at `index` of a base64url string's bytes. */
function flipByte(sealed: string, index: number): string {
  const bytes = Buffer.from(sealed, 'base64url');
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return bytes.toString('base64url');
}

describe('CryptoPickupCodeVault.hash', () => {
  it('is deterministic for one location and code', () => {
    // Act
    const first = vault.hash('loc-1', '1234560000');
    const again = new CryptoPickupCodeVault('unit-test-secret-0123456789abcdefghij').hash('loc-1', '1234560000');

    // Assess
    expect(again).toBe(first);
  });

  it('differs for the same code at another location', () => {
    // Act
    const here = vault.hash('loc-1', '1234560000');
    const there = vault.hash('loc-2', '1234560000');

    // Assess
    expect(there).not.toBe(here);
  });

  it('differs for another code at the same location', () => {
    // Act
    const one = vault.hash('loc-1', '1234560000');
    const other = vault.hash('loc-1', '1234570000');

    // Assess
    expect(other).not.toBe(one);
  });

  it('differs under another secret, so hashes cannot be computed without it', () => {
    // Act
    const ours = vault.hash('loc-1', '1234560000');
    const theirs = otherVault.hash('loc-1', '1234560000');

    // Assess
    expect(theirs).not.toBe(ours);
  });

  it('never contains the code itself', () => {
    // Act
    const hash = vault.hash('loc-1', '1234560000');

    // Assess
    expect({ length: hash.length, containsCode: hash.includes('1234560000') }).toEqual({ length: 43, containsCode: false });
  });
});

describe('CryptoPickupCodeVault.matches', () => {
  it('is true for the code that was hashed at that location', () => {
    // Prepare
    const hash = vault.hash('loc-1', '1234560000');

    // Act
    const matches = vault.matches('loc-1', '1234560000', hash);

    // Assess
    expect(matches).toBe(true);
  });

  it('is false for another code', () => {
    // Prepare
    const hash = vault.hash('loc-1', '1234560000');

    // Act
    const matches = vault.matches('loc-1', '6543210000', hash);

    // Assess
    expect(matches).toBe(false);
  });

  it('is false for the right code at another location', () => {
    // Prepare
    const hash = vault.hash('loc-1', '1234560000');

    // Act
    const matches = vault.matches('loc-2', '1234560000', hash);

    // Assess
    expect(matches).toBe(false);
  });

  it('is false, without throwing, for a stored hash of another length', () => {
    // Act
    const matches = vault.matches('loc-1', '1234560000', 'short');

    // Assess
    expect(matches).toBe(false);
  });
});

describe('CryptoPickupCodeVault.seal and open', () => {
  it('opens what it sealed', () => {
    // Prepare
    const sealed = vault.seal('0429170000');

    // Act
    const opened = vault.open(sealed);

    // Assess
    expect(opened).toBe('0429170000');
  });

  it('seals one code differently each time (random IV)', () => {
    // Act
    const first = vault.seal('0429170000');
    const second = vault.seal('0429170000');

    // Assess
    expect(second).not.toBe(first);
  });

  it('never shows the code in the sealed text', () => {
    // Act
    const sealed = vault.seal('0429170000');

    // Assess
    expect(sealed).not.toContain('0429170000');
  });

  it('refuses to open a tampered ciphertext', () => {
    // Prepare: IV (12 bytes) and tag (16 bytes) come first, the ciphertext after them.
    const tampered = flipByte(vault.seal('0429170000'), 28);

    // Act
    const opening = () => vault.open(tampered);

    // Assess
    expect(opening).toThrow();
  });

  it('refuses to open with a tampered authentication tag', () => {
    // Prepare
    const tampered = flipByte(vault.seal('0429170000'), 12);

    // Act
    const opening = () => vault.open(tampered);

    // Assess
    expect(opening).toThrow();
  });

  it('cannot open what another secret sealed', () => {
    // Prepare
    const sealed = otherVault.seal('0429170000');

    // Act
    const opening = () => vault.open(sealed);

    // Assess
    expect(opening).toThrow();
  });
});

describe('randomPickupCodes', () => {
  it('draws ten-digit codes, leading zeros kept', () => {
    // Act
    const codes = Array.from({ length: 2000 }, () => randomPickupCodes.next());

    // Assess
    expect(codes.filter((code) => !/^\d{10}$/.test(code))).toEqual([]);
  });

  it('draws codes that vary', () => {
    // Act
    const codes = new Set(Array.from({ length: 100 }, () => randomPickupCodes.next()));

    // Assess
    expect(codes.size).toBeGreaterThan(90);
  });
});

describe('CryptoPickupCodeVault.destinationKey', () => {
  it('names a destination by a keyed hash: stable, per secret, and not the plain hash of the number', () => {
    // Act
    const key = vault.destinationKey('sms', '+447700900123');

    // Assess
    expect(key).toBe(vault.destinationKey('sms', '+447700900123'));
    expect(key).not.toBe(otherVault.destinationKey('sms', '+447700900123'));
    expect(key).not.toContain('447700900123');
    expect(key).not.toBe(createHash('sha256').update('+447700900123').digest('base64url'));
    expect(key).not.toBe(vault.hash('sms', '+447700900123'));
  });

  it('keeps channels apart and reads email addresses case-blind, as mail systems deliver them', () => {
    // Act
    const keys = {
      upper: vault.destinationKey('email', 'Ana@Example.com'),
      lower: vault.destinationKey('email', 'ana@example.com'),
      otherChannel: vault.destinationKey('sms', 'ana@example.com'),
    };

    // Assess
    expect(keys.upper).toBe(keys.lower);
    expect(keys.otherChannel).not.toBe(keys.lower);
  });
});

describe('randomVerificationCodes', () => {
  it('draws six digits', () => {
    // Act
    const codes = Array.from({ length: 200 }, () => randomVerificationCodes.next());

    // Assess
    expect(codes.every((code) => /^\d{6}$/.test(code))).toBe(true);
    expect(new Set(codes).size).toBeGreaterThan(190);
  });
});
