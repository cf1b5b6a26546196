import type { Channel, Contact, Locale, Profile } from './contact.ts';

/**
 * Paid channels cannot be pumped (docs/decisions.md, "Paid channels cannot be pumped"):
 * - every SMS and email goes through a per-destination budget per hour, reserved atomically before
 *   the send;
 * - an address a customer saves in `/me` is told nothing until they prove it is theirs with a
 *   one-time code sent to it (the token's own verified address needs no code);
 * - a carrier's contact, which nobody can verify beforehand, gets only the ready-for-pickup message.
 */

/**
 * Messages one phone number or email address may receive per hour, by default. A real recipient
 * gets a handful (a few parcels ready, collected, a code to verify); a pump gets no further.
 */
export const defaultMessagesPerDestinationHour = 10;

/**
 * Verification codes one phone number or email address may receive per hour (never more than its
 * messages limit). Anyone can name any address in `/me`, so codes have a budget of their own: a
 * stranger spending it cannot take the parcel messages' budget, and with it a pickup code.
 */
export const verificationCodesPerDestinationHour = 3;

/** The two budgets of a destination: parcel messages (the notifier) and verification codes (`PUT /me`). */
export type DestinationBudget = 'messages' | 'codes';

/** One fixed hour of a destination's budget, aligned to the clock so every sender agrees on it. */
export interface QuotaWindow {
  /** `2026-12-08T02`: the hour, in UTC. */
  readonly hour: string;
  readonly end: Date;
}

export function quotaWindowOf(at: Date): QuotaWindow {
  const start = Math.floor(at.getTime() / 3_600_000) * 3_600_000;
  return { hour: new Date(start).toISOString().slice(0, 13), end: new Date(start + 3_600_000) };
}

/** Six digits: typed from a message into the app; five tries per code, a few codes an hour per address. */
export const verificationCodeDigits = 6;
export const verificationCodePattern = /^\d{6}$/;
export const verificationPolicy = { maxAttempts: 5, validMinutes: 15 } as const;

/** An address waiting for its code. */
export interface PendingAddress {
  readonly channel: Channel;
  readonly address: string;
}

/** Addresses the caller's token names and does not mark unverified. */
export interface TokenAddresses {
  readonly email?: string;
  readonly phone?: string;
}

const addressOf = (contact: Pick<Contact, 'email' | 'phone'>, channel: Channel) => (channel === 'sms' ? contact.phone : contact.email);

/**
 * Which addresses of a profile about to be saved are verified, and which need a code: an address
 * is verified when the token names it (the identity provider verified it), or when it is the
 * address the saved profile had verified already. Changing an address drops its verification.
 */
export function planVerification(
  saved: Profile | undefined,
  next: Contact,
  token: TokenAddresses,
): { readonly profile: Profile; readonly pending: readonly PendingAddress[] } {
  const verified: Channel[] = [];
  const pending: PendingAddress[] = [];
  for (const channel of ['sms', 'email'] as const) {
    const address = addressOf(next, channel);
    if (address === undefined) continue;
    const keptVerified = saved !== undefined && saved.verified.includes(channel) && addressOf(saved, channel) === address;
    if (keptVerified || addressOf(token, channel) === address) verified.push(channel);
    else pending.push({ channel, address });
  }
  return { profile: { ...next, verified }, pending };
}

/** The message that carries a verification code. The code is a secret: it goes into this text and nowhere else. */
export function verificationMessage(_locale: Locale, channel: Channel, code: string): { readonly subject?: string; readonly body: string } {
  const body = `Your parcel locker verification code is ${code}. It expires in ${verificationPolicy.validMinutes} minutes. If you did not ask for it, ignore this message.`;
  return channel === 'sms' ? { body } : { subject: 'Your verification code', body };
}
