import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Channel } from '#shared/domain/contact';
import { pickupCodeDigits } from '#shared/domain/pickup-code';
import { verificationCodeDigits } from '#shared/domain/verification';
import type { CodeGenerator, PickupCodeVault } from '#shared/ports';

/**
 * HMAC-SHA256 to index and compare codes, AES-256-GCM for the owner's copy. Both keys are
 * derived from one secret with HKDF under distinct labels, so one secret is all there is to
 * provision and rotate, and neither key can be computed from the other.
 */
export class CryptoPickupCodeVault implements PickupCodeVault {
  private readonly hmacKey: Buffer;
  private readonly encryptionKey: Buffer;
  private readonly destinationHmacKey: Buffer;

  constructor(secret: string) {
    this.hmacKey = derive(secret, 'pickup-code/hmac');
    this.encryptionKey = derive(secret, 'pickup-code/aes-256-gcm');
    this.destinationHmacKey = derive(secret, 'destination/hmac');
  }

  destinationKey(channel: Channel, address: string): string {
    // Email addresses are compared case-blind, as mail systems deliver them.
    const canonical = channel === 'email' ? address.toLowerCase() : address;
    return createHmac('sha256', this.destinationHmacKey).update(`${channel}\n${canonical}`).digest('base64url');
  }

  hash(locationId: string, code: string): string {
    return createHmac('sha256', this.hmacKey).update(`${locationId}\n${code}`).digest('base64url');
  }

  matches(locationId: string, code: string, hash: string): boolean {
    const expected = Buffer.from(hash, 'base64url');
    const actual = Buffer.from(this.hash(locationId, code), 'base64url');
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  seal(code: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    const ciphertext = Buffer.concat([cipher.update(code, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
  }

  open(sealed: string): string {
    const bytes = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  }
}

function derive(secret: string, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'locker-service', label, 32));
}

/** Uniform over 0000000000-9999999999 from the CSPRNG (randomInt avoids modulo bias; its range is under 2^48). */
export const randomPickupCodes: CodeGenerator = {
  next: () => String(randomInt(0, 10 ** pickupCodeDigits)).padStart(pickupCodeDigits, '0'),
};

/** Verification codes for addresses saved in `/me`: uniform six digits from the CSPRNG. */
export const randomVerificationCodes: CodeGenerator = {
  next: () => String(randomInt(0, 10 ** verificationCodeDigits)).padStart(verificationCodeDigits, '0'),
};
