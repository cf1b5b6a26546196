import { hasRole, type Actor } from '#shared/domain/actor';
import { toContact, type ContactInput } from '#shared/domain/contact';
import { ForbiddenError } from '#shared/domain/errors';
import type { Deps } from './deps.ts';
import type { ProfileView } from './get-profile.ts';

/**
 * Primary course:
 * 1. Only a customer has a profile (see getProfile).
 * 2. Apply the contact rules: addresses valid, channels defaulted to those with an address, a
 *    channel without its address refused, the locale resolved; a broken rule writes nothing.
 * 3. Replace the saved profile whole (a field left out is removed) and answer it.
 */
export async function putProfile(deps: Pick<Deps, 'profiles' | 'clock'>, actor: Actor, input: ContactInput): Promise<ProfileView> {
  if (!hasRole(actor, 'customer')) throw new ForbiddenError('FORBIDDEN', 'Only customers have a profile');
  const contact = toContact(input);
  await deps.profiles.put(actor.sub, contact, deps.clock.now());
  return { ...contact, saved: true };
}
