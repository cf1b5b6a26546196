import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { channels, toCarrierContact, toContact } from '#shared/domain/contact';
import { ValidationError } from '#shared/domain/errors';
import { maxReminderHours } from '#shared/domain/notifications';
import { ownerPickupCodePattern, pickupCodePattern } from '#shared/domain/pickup-code';
import { verificationCodePattern } from '#shared/domain/verification';

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

/** Whitespace as JavaScript's `\s` knows it, spelled out: Java's `\s` (API Gateway's validator) is ASCII only. */
const space = String.raw`\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff`;

/**
 * Characters that show nothing or are not text, refused anywhere in key text, all in the BMP so
 * they can be written without `\p{…}`: the format characters (Unicode Cf: soft hyphen, zero-width
 * spaces and joiners, bidirectional controls, the byte order mark…), the fillers that render as
 * blanks (Hangul U+115F, U+1160, U+3164, U+FFA0; braille blank U+2800), line and paragraph
 * separators, and the noncharacters U+FDD0–U+FDEF, U+FFFE and U+FFFF.
 */
const invisible = String.raw`\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\u2800\u3164\ufdd0-\ufdef\ufeff\ufff9-\ufffb\uffa0\ufffe\uffff`;

/**
 * Free text that becomes part of a key: not blank, no space at either end, and none of `#` (it
 * separates the parts of our keys, so two values could meet in one key), control characters or
 * lone surrogates (a parcel filed under them is one nobody could ask for again), nor the
 * invisible characters above (two ids that look the same must be the same). Written without
 * `\p{…}` classes or lookbehind, so the same pattern holds in API Gateway's model validation;
 * matched with the `u` flag, the surrogate range catches only unpaired halves, never a character
 * beyond the BMP. What needs `\p{…}` (format characters and noncharacters beyond the BMP, such as
 * the tag characters U+E0000–U+E007F; a leading combining mark) and the NFC check are refinements
 * below, which the handler applies and the gateway model does not.
 */
const keyText = new RegExp(
  String.raw`^(?![${space}])(?![\s\S]*[${space}]$)[^#\u0000-\u001f\u007f-\u009f\ud800-\udfff${invisible}]+$`,
  'u',
);

/** Format characters and noncharacters anywhere, beyond the BMP included (what `keyText` cannot spell without `\p{…}`). */
const notText = /[\p{Cf}\p{Noncharacter_Code_Point}]/u;

/** A Cognito `sub` or a carrier's own id for the recipient: otherwise free text, as a person would type it again. */
export const recipientId = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(128),
    z.regex(keyText, 'must not be blank, start or end with a space, nor contain "#", control, format or invisible characters, or unpaired surrogates'),
    z.refine((text) => !notText.test(text), 'must not contain format characters or noncharacters'),
    z.refine((text) => !/^\p{M}/u.test(text), 'must not start with a combining mark'),
    z.refine((text) => text === text.normalize('NFC'), 'must be in Unicode normalization form C (NFC)'),
  );

export const pickupCode = z.string().check(z.regex(pickupCodePattern, 'must be 10 digits'));

/** In the app, codes issued before codes grew to 10 digits still work (see ownerPickupCodePattern). */
export const ownerPickupCode = z.string().check(z.regex(ownerPickupCodePattern, 'must be 10 digits'));

const slotCount = z.int().check(z.minimum(0), z.maximum(40));

/**
 * A rule of the domain, applied once the shape is right: its ValidationError details become issues
 * at their own paths (under `body.`), so the rule is written once, in the domain, and the use case
 * applies the same one again for callers that are not HTTP.
 */
function domainRule<T>(rule: (value: T) => unknown) {
  return z.check<T>((ctx) => {
    if (ctx.issues.length > 0) return;
    try {
      rule(ctx.value);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const { path, message } of error.details) ctx.issues.push({ code: 'custom', message, path: path.split('.'), input: ctx.value });
    }
  });
}

/** Only bounded here; what an address must look like is the domain's rule (shared/domain/contact.ts). */
const emailAddress = z.string().check(z.maxLength(254));
/** E.164 has at most 15 digits after the `+`. */
const phoneNumber = z.string().check(z.maxLength(16));

/** The recipient's contact as a carrier gives it at store time: an email, a phone (E.164) or both. */
export const recipientContact = z.strictObject({ email: z.optional(emailAddress), phone: z.optional(phoneNumber) });

export const requestBodies = {
  'create-location': z.strictObject({
    locationId: z.optional(identifier),
    name: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
    address: z.string().check(z.trim(), z.minLength(1), z.maxLength(500)),
    pickupWindowHours: z.optional(z.int().check(z.minimum(1), z.maximum(720))),
    reminderHoursBefore: z.optional(z.int().check(z.minimum(1), z.maximum(maxReminderHours))),
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
    recipient: z.optional(recipientContact),
  }).check(domainRule((body) => (body.recipient === undefined ? undefined : toCarrierContact(body.recipient)))),
  /** A whole profile: a field left out is removed (PUT). */
  'put-profile': z
    .strictObject({
      email: z.optional(emailAddress),
      phone: z.optional(phoneNumber),
      channels: z.optional(z.array(z.enum(channels)).check(z.maxLength(channels.length))),
      locale: z.optional(z.string().check(z.minLength(1), z.maxLength(35))),
    })
    .check(domainRule(toContact)),
  'verify-contact': z.strictObject({
    channel: z.enum(channels),
    code: z.string().check(z.regex(verificationCodePattern, 'Must be the 6-digit code sent to the address')),
  }),
  'retrieve-parcel': z.strictObject({ pickupCode: ownerPickupCode }),
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
