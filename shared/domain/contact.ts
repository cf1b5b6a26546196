import { ValidationError } from './errors.ts';

/**
 * How a person is told about their parcels (docs/architecture.md §7): a customer's own profile (`/me`), or
 * the contact a carrier gave when storing, used only while the recipient has no profile.
 */
export const channels = ['sms', 'email'] as const;
export type Channel = (typeof channels)[number];

/** Locales messages exist in, English first: the first is the fallback for everything else. */
export const supportedLocales = ['en'] as const;
export type Locale = (typeof supportedLocales)[number];
export const defaultLocale: Locale = supportedLocales[0];

export interface Contact {
  readonly email?: string;
  /** E.164: `+`, country code, subscriber number; what SNS `Publish` takes as `PhoneNumber`. */
  readonly phone?: string;
  /** The channels to use, each with its address present; empty means "tell me nothing". */
  readonly channels: readonly Channel[];
  readonly locale: Locale;
}

/** An address book entry saved in `/me`, with which of its addresses its owner proved theirs. */
export interface Profile extends Contact {
  /** The channels whose address is verified (shared/domain/verification.ts); the others are told nothing but their code. */
  readonly verified: readonly Channel[];
}

/** A profile as a client sends it (`PUT /me`), before the rules below have been applied. */
export interface ContactInput {
  readonly email?: string;
  readonly phone?: string;
  readonly channels?: readonly string[];
  readonly locale?: string;
}

/** What a carrier may give at store time (`recipient` in `POST /parcels`). */
export interface CarrierContact {
  readonly email?: string;
  readonly phone?: string;
}

const e164 = /^\+[1-9]\d{6,14}$/;

export function isE164(phone: string): boolean {
  return e164.test(phone);
}

/**
 * An address SES will accept and every mail system reads the same way: one `@`; a local part of
 * at most 64 characters in RFC 5322's dot-atom form, ASCII only (letters, digits and
 * ``!#$%&'*+/=?^_`{|}~-``, dots between them); a domain of dot-separated ASCII labels (letters,
 * digits, hyphens, none at a label's ends) with at least one dot; at most 254 characters in all.
 * Quoted local parts, comments, IP literals and non-ASCII addresses are refused: SES does not
 * send to internationalised addresses (no SMTPUTF8), and the rest is where senders disagree on
 * what the address is, which a review showed letting `(comment)victim@example.com` through.
 */
export function isEmail(email: string): boolean {
  if (email.length > 254) return false;
  const parts = email.split('@');
  if (parts.length !== 2) return false;
  const [local, domain] = parts as [string, string];
  if (local.length === 0 || local.length > 64) return false;
  if (!/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/.test(local)) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  return labels.every((label) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

/**
 * The supported locale for a BCP 47 tag: the exact tag, else its language (`en-GB` → `en`), else
 * English. @returns undefined when the text is not a well-formed tag at all.
 */
export function resolveLocale(tag: string): Locale | undefined {
  let canonical: string;
  try {
    [canonical = ''] = Intl.getCanonicalLocales(tag);
  } catch {
    return undefined;
  }
  if (canonical === '') return undefined;
  const supported = (candidate: string): candidate is Locale => (supportedLocales as readonly string[]).includes(candidate);
  if (supported(canonical)) return canonical;
  const language = canonical.split('-')[0]!.toLowerCase();
  return supported(language) ? language : defaultLocale;
}

function isChannel(value: string): value is Channel {
  return (channels as readonly string[]).includes(value);
}

/** The channels that have an address, in the canonical order. */
function reachable(contact: CarrierContact): Channel[] {
  return channels.filter((channel) => (channel === 'sms' ? contact.phone : contact.email) !== undefined);
}

/**
 * A profile from what a client sent: addresses validated, channels defaulted to those with an
 * address, a channel without its address refused, the locale resolved to a supported one.
 * @throws ValidationError listing every broken rule, each with its field.
 */
export function toContact(input: ContactInput): Contact {
  const problems: { path: string; message: string }[] = [];
  if (input.email !== undefined && !isEmail(input.email)) problems.push({ path: 'email', message: 'Must be an email address' });
  if (input.phone !== undefined && !isE164(input.phone)) problems.push({ path: 'phone', message: 'Must be a phone number in E.164 form, such as +447700900123' });

  let chosen: Channel[] = reachable(input);
  if (input.channels !== undefined) {
    const unknown = input.channels.filter((channel) => !isChannel(channel));
    for (const channel of unknown) problems.push({ path: 'channels', message: `Unknown channel ${JSON.stringify(channel)}: use sms or email` });
    chosen = channels.filter((channel) => input.channels!.includes(channel));
    for (const channel of chosen) {
      if (channel === 'sms' && input.phone === undefined) problems.push({ path: 'channels', message: 'sms needs a phone number' });
      if (channel === 'email' && input.email === undefined) problems.push({ path: 'channels', message: 'email needs an email address' });
    }
  }

  const locale = input.locale === undefined ? defaultLocale : resolveLocale(input.locale);
  if (locale === undefined) problems.push({ path: 'locale', message: 'Must be a BCP 47 language tag, such as en or en-GB' });

  if (problems.length > 0) throw new ValidationError('The contact details are not valid', problems);
  return {
    ...(input.email !== undefined ? { email: input.email } : {}),
    ...(input.phone !== undefined ? { phone: input.phone } : {}),
    channels: chosen,
    locale: locale!,
  };
}

/**
 * The contact a carrier gives at store time, validated the same way; given, it names at least one
 * address (an empty one is more likely a mapping bug on the carrier's side than a wish).
 * @throws ValidationError naming the field under `recipient`.
 */
export function toCarrierContact(input: CarrierContact): CarrierContact {
  const problems: { path: string; message: string }[] = [];
  if (input.email === undefined && input.phone === undefined) problems.push({ path: 'recipient', message: 'Give an email address, a phone number or both' });
  if (input.email !== undefined && !isEmail(input.email)) problems.push({ path: 'recipient.email', message: 'Must be an email address' });
  if (input.phone !== undefined && !isE164(input.phone)) problems.push({ path: 'recipient.phone', message: 'Must be a phone number in E.164 form, such as +447700900123' });
  if (problems.length > 0) throw new ValidationError('The recipient contact is not valid', problems);
  return { ...(input.email !== undefined ? { email: input.email } : {}), ...(input.phone !== undefined ? { phone: input.phone } : {}) };
}

/** The claims of a verified token that can name an address (Cognito's ID token, the local issuer's). */
export interface ContactClaims {
  readonly email?: unknown;
  readonly email_verified?: unknown;
  readonly phone_number?: unknown;
  readonly phone_number_verified?: unknown;
}

/** API Gateway hands Cognito claims over as strings, so `false` can arrive as `"false"`. */
function unverified(flag: unknown): boolean {
  return flag === false || flag === 'false';
}

/**
 * The profile to show a customer: theirs when they have saved one, else one prefilled from the
 * token's `email` and `phone_number`. A claim the token marks unverified, or that breaks the rules
 * above, is left out rather than refused: the customer did not type it, and a pickup code must not
 * go to an address nobody proved is theirs. @returns undefined when nothing is known.
 */
export function prefilledContact(saved: Contact | undefined, claims: ContactClaims): Contact | undefined {
  if (saved) return saved;
  const email = typeof claims.email === 'string' && !unverified(claims.email_verified) && isEmail(claims.email) ? claims.email : undefined;
  const phone =
    typeof claims.phone_number === 'string' && !unverified(claims.phone_number_verified) && isE164(claims.phone_number) ? claims.phone_number : undefined;
  if (email === undefined && phone === undefined) return undefined;
  return toContact({ ...(email !== undefined ? { email } : {}), ...(phone !== undefined ? { phone } : {}) });
}

/**
 * The contact the notifier may use from a saved profile: only its verified addresses, and only the
 * channels chosen among them.
 */
export function verifiedContact(profile: Profile): Contact {
  const email = profile.email !== undefined && profile.verified.includes('email') ? profile.email : undefined;
  const phone = profile.phone !== undefined && profile.verified.includes('sms') ? profile.phone : undefined;
  const usable = { ...(email !== undefined ? { email } : {}), ...(phone !== undefined ? { phone } : {}) };
  return { ...usable, channels: profile.channels.filter((channel) => (channel === 'sms' ? phone : email) !== undefined), locale: profile.locale };
}

/** Whom to tell about a parcel, and on whose word: the recipient's own profile, or the carrier's. */
export type ParcelContact = Contact & { readonly source: 'profile' | 'carrier' };

/**
 * Whom to tell about a parcel. The recipient's saved profile wins, even when it asks for no channel
 * at all (an opt-out is respected), and then only on its verified addresses; the carrier's contact
 * is used only when the recipient has saved no profile, and then on every channel it gives an
 * address for (for which messages: `notificationsFor`). @returns undefined when nobody can be told.
 */
export function contactForParcel(profile: Profile | undefined, given: CarrierContact | undefined): ParcelContact | undefined {
  // A saved profile is the customer's word, "tell me nothing" included (found in review: a profile
  // saved with no address let a carrier's contact through). An address not yet verified is told
  // nothing either: anyone can type someone else's phone number into `/me`.
  if (profile) return { ...verifiedContact(profile), source: 'profile' };
  if (!given) return undefined;
  // Validated at store time; checked again because a message to a broken address only bounces.
  const email = given.email !== undefined && isEmail(given.email) ? given.email : undefined;
  const phone = given.phone !== undefined && isE164(given.phone) ? given.phone : undefined;
  const usable = { ...(email !== undefined ? { email } : {}), ...(phone !== undefined ? { phone } : {}) };
  const found = reachable(usable);
  if (found.length === 0) return undefined;
  return { ...usable, channels: found, locale: defaultLocale, source: 'carrier' };
}

/** The address a channel sends to, when the contact has one. */
export function addressFor(contact: Contact, channel: Channel): string | undefined {
  return channel === 'sms' ? contact.phone : contact.email;
}
