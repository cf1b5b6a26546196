import { hasRole, type Actor } from '#shared/domain/actor';
import { defaultLocale, prefilledContact, type Contact } from '#shared/domain/contact';
import { ForbiddenError } from '#shared/domain/errors';
import type { Deps } from './deps.ts';

/** A customer's profile as they see it: `saved` false while it is only a suggestion from their token. */
export type ProfileView = Contact & { readonly saved: boolean };

/**
 * Primary course:
 * 1. Only a customer has a profile: parcels are addressed to customers, so only they are told.
 * 2. Answer the saved profile when there is one.
 * 3. Otherwise suggest one from the token's addresses (those it does not mark unverified), not
 *    saved: nothing is sent to it until the customer saves it, since the notifier never sees the
 *    token.
 * 4. With nothing known, an empty profile: no address, no channel.
 */
export async function getProfile(deps: Pick<Deps, 'profiles'>, actor: Actor): Promise<ProfileView> {
  if (!hasRole(actor, 'customer')) throw new ForbiddenError('FORBIDDEN', 'Only customers have a profile');
  const saved = await deps.profiles.get(actor.sub);
  if (saved) return { ...saved, saved: true };
  const suggested = prefilledContact(undefined, {
    ...(actor.email !== undefined ? { email: actor.email } : {}),
    ...(actor.phone !== undefined ? { phone_number: actor.phone } : {}),
  });
  return { ...(suggested ?? { channels: [], locale: defaultLocale }), saved: false };
}
