import { hasRole, type Actor } from '#shared/domain/actor';
import { channels, defaultLocale, prefilledContact, type Channel, type Contact, type Profile } from '#shared/domain/contact';
import { ForbiddenError } from '#shared/domain/errors';
import type { Deps } from './deps.ts';

/**
 * A customer's profile as they see it: `saved` false while it is only a suggestion from their token;
 * `verified` the channels whose address is proved theirs (only those are told anything), `pending`
 * those waiting for the code sent to them.
 */
export type ProfileView = Contact & { readonly saved: boolean; readonly verified: readonly Channel[]; readonly pending: readonly Channel[] };

/** The view of a saved profile. */
export function profileView(profile: Profile): ProfileView {
  const { verified, ...contact } = profile;
  const pending = channels.filter((channel) => (channel === 'sms' ? contact.phone : contact.email) !== undefined && !verified.includes(channel));
  return { ...contact, saved: true, verified: [...verified], pending };
}

/**
 * Primary course:
 * 1. Only a customer has a profile: parcels are addressed to customers, so only they are told.
 * 2. Answer the saved profile when there is one, with which addresses are verified.
 * 3. Otherwise suggest one from the token's addresses (those it does not mark unverified, so they
 *    count as verified), not saved: nothing is sent to it until the customer saves it, since the
 *    notifier never sees the token.
 * 4. With nothing known, an empty profile: no address, no channel.
 */
export async function getProfile(deps: Pick<Deps, 'profiles'>, actor: Actor): Promise<ProfileView> {
  if (!hasRole(actor, 'customer')) throw new ForbiddenError('FORBIDDEN', 'Only customers have a profile');
  const saved = await deps.profiles.get(actor.sub);
  if (saved) return profileView(saved);
  const suggested = prefilledContact(undefined, {
    ...(actor.email !== undefined ? { email: actor.email } : {}),
    ...(actor.phone !== undefined ? { phone_number: actor.phone } : {}),
  });
  const contact = suggested ?? { channels: [], locale: defaultLocale };
  const verified = channels.filter((channel) => (channel === 'sms' ? contact.phone : contact.email) !== undefined);
  return { ...contact, saved: false, verified, pending: [] };
}
