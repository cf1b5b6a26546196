import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { pickupCodePattern } from '#shared/domain/pickup-code';

/**
 * Request shapes, declared once. Handlers validate with them, the OpenAPI document is checked
 * against them, and the CDK api construct turns them into API Gateway request models.
 * Objects are strict: an unknown field is more often a typo than a wish.
 * Written with zod/mini, whose functions tree-shake: classic zod alone would add ~440 KB to
 * every Lambda bundle (bench/BUNDLES.md).
 */
// zod/mini loads no messages by default; callers deserve readable ones in 400 details.
z.config(en());

export const identifier = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1-64 letters, digits, "-" or "_"'));

/** One shorter than other ids: `<locationId>:<lockerId>` is the locker's IoT thing name, and AWS allows 128 characters. */
export const lockerIdentifier = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'must be 1-63 letters, digits, "-" or "_"'));

export const slotSize = z.enum(['S', 'M', 'L']);

/**
 * Free text that becomes part of a key: not blank, and none of `#` (it separates the parts of our
 * keys, so two values could meet in one key), control characters or lone surrogates (a parcel
 * filed under them is one nobody could ask for again). Written without `\p{…}` classes, so the
 * same pattern holds in API Gateway's model validation; matched with the `u` flag, the surrogate
 * range catches only unpaired halves, never a character beyond the BMP.
 */
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const keyText = /^(?!\s*$)[^#\u0000-\u001f\u007f-\u009f\ud800-\udfff]*$/u;

/** A Cognito `sub` or a carrier's own id for the recipient: otherwise free text. */
export const recipientId = z
  .string()
  .check(z.minLength(1), z.maxLength(128), z.regex(keyText, 'must not be blank, nor contain "#", control characters or unpaired surrogates'));

export const pickupCode = z.string().check(z.regex(pickupCodePattern, 'must be 10 digits'));

const slotCount = z.int().check(z.minimum(0), z.maximum(40));

export const requestBodies = {
  'create-location': z.strictObject({
    locationId: z.optional(identifier),
    name: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
    address: z.string().check(z.trim(), z.minLength(1), z.maxLength(500)),
    pickupWindowHours: z.optional(z.int().check(z.minimum(1), z.maximum(720))),
  }),
  'add-locker': z.strictObject({
    lockerId: z.optional(lockerIdentifier),
    slots: z.strictObject({ S: z.optional(slotCount), M: z.optional(slotCount), L: z.optional(slotCount) }).check(
      z.refine((slots) => {
        const total = (slots.S ?? 0) + (slots.M ?? 0) + (slots.L ?? 0);
        return total >= 1 && total <= 60;
      }, 'a locker has between 1 and 60 slots'),
    ),
  }),
  /** `FREE` puts the slot back in service (it stays OCCUPIED if a parcel is inside); `OUT_OF_SERVICE` takes it out, with an optional reason. */
  'update-slot': z.strictObject({
    status: z.enum(['OUT_OF_SERVICE', 'FREE']),
    note: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
  }),
  'store-parcel': z.strictObject({
    parcelId: z.optional(identifier),
    locationId: identifier,
    recipientId,
    size: slotSize,
  }),
  'retrieve-parcel': z.strictObject({ pickupCode }),
  'kiosk-pickup': z.strictObject({ pickupCode }),
} as const;

export type RequestBodyRoute = keyof typeof requestBodies;

export const pathParameters = {
  location: z.object({ locationId: identifier }),
  locker: z.object({ locationId: identifier, lockerId: identifier }),
  slot: z.object({ locationId: identifier, lockerId: identifier, slotId: identifier }),
  parcel: z.object({ parcelId: identifier }),
} as const;

export const listParcelsQuery = z.strictObject({
  locationId: z.optional(identifier),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 25),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
});

export const listLocationsQuery = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 25),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
});

/**
 * Idempotency keys are opaque to us but bounded, so they fit a DynamoDB key, and free of `#`: the
 * key is filed under `<carrier>#<key>`, where a `#` would let two carriers' keys meet.
 */
export const idempotencyKey = z.string().check(z.regex(/^[\x21\x22\x24-\x7e]{8,128}$/, 'must be 8-128 visible ASCII characters other than "#"'));
