import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ValidationError } from '#shared/domain/errors';

/** DynamoDB's `LastEvaluatedKey` / `ExclusiveStartKey`: the attributes of the last item read. */
export type StartKey = Record<string, unknown>;

/** What a paginated query needs: a cursor for where a page stopped, and that place back from a cursor. */
export interface PageCursors {
  /** The cursor that continues the listing `scope` after `lastEvaluatedKey`; undefined on the last page. */
  encode(lastEvaluatedKey: StartKey | undefined, scope: string): string | undefined;
  /**
   * The start key a cursor of the listing `scope` stands for.
   * @throws ValidationError when the cursor was not issued by this service for this very listing.
   */
  decode(cursor: string, scope: string): StartKey;
}

const version = 1;
const ivBytes = 12;
const tagBytes = 16;

/**
 * Pagination cursors sealed with AES-256-GCM, the listing's scope (index and partition) bound in
 * as associated data. Sealing hides the table's key layout from clients, and authentication means
 * a crafted, truncated, replayed-elsewhere or pre-rotation cursor fails the tag and is a 400: no
 * start key we did not write ever reaches DynamoDB, where it would be a ValidationException.
 * The key is derived from the service secret with HKDF under its own label, so it is independent
 * of the pickup-code keys and there is still one secret to provision.
 */
export class SealedCursors implements PageCursors {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'locker-service', 'pagination-cursor/aes-256-gcm', 32));
  }

  encode(lastEvaluatedKey: StartKey | undefined, scope: string): string | undefined {
    if (lastEvaluatedKey === undefined) return undefined;
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(associatedData(scope));
    const sealed = Buffer.concat([cipher.update(JSON.stringify(lastEvaluatedKey), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([version]), iv, cipher.getAuthTag(), sealed]).toString('base64url');
  }

  decode(cursor: string, scope: string): StartKey {
    const bytes = Buffer.from(cursor, 'base64url');
    if (bytes.length <= 1 + ivBytes + tagBytes || bytes[0] !== version) throw invalidCursor();
    let plain: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(1, 1 + ivBytes));
      decipher.setAAD(associatedData(scope));
      decipher.setAuthTag(bytes.subarray(1 + ivBytes, 1 + ivBytes + tagBytes));
      plain = Buffer.concat([decipher.update(bytes.subarray(1 + ivBytes + tagBytes)), decipher.final()]).toString('utf8');
    } catch {
      throw invalidCursor();
    }
    const key: unknown = JSON.parse(plain);
    // Only this class seals cursors, so anything else here means a bug, not a client's doing.
    if (typeof key !== 'object' || key === null || Array.isArray(key)) throw new Error('A sealed cursor did not hold a key');
    return key as StartKey;
  }
}

/**
 * For functions that declare no secret: they cannot paginate, and saying so beats a cursor
 * nobody can check. A function that lists pages must declare `pickupCodeSecret` in the manifest.
 */
export const unsealedCursors = (functionName: string): PageCursors => {
  const refuse = (): never => {
    throw new Error(`${functionName} pages through a listing but declares no pickupCodeSecret, from which cursors are sealed`);
  };
  return { encode: (key) => (key === undefined ? undefined : refuse()), decode: refuse };
};

function associatedData(scope: string): Buffer {
  return Buffer.from(`${version}\n${scope}`, 'utf8');
}

function invalidCursor(): ValidationError {
  return new ValidationError('The cursor is not valid for this listing', [{ path: 'query.cursor', message: 'not a cursor this listing issued' }]);
}
