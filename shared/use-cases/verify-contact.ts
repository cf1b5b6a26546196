import { hasRole, type Actor } from '#shared/domain/actor';
import type { Channel } from '#shared/domain/contact';
import { ConflictError, ForbiddenError, NotFoundError, TooManyAttemptsError } from '#shared/domain/errors';
import { verificationPolicy } from '#shared/domain/verification';
import type { Deps } from './deps.ts';
import { profileView, type ProfileView } from './get-profile.ts';
import { verificationScope } from './put-profile.ts';

/**
 * Primary course:
 * 1. Only a customer has a profile (see getProfile).
 * 2. Count the attempt against the channel's code with one conditional write, before the code is
 *    compared: however many tries race, no code is compared more than five times. No code waiting,
 *    a code past its deadline, or one out of attempts is refused (a new code: `PUT /me` again).
 * 3. Compare the code's keyed hash in constant time; a wrong code is refused (the attempt stays counted).
 * 4. Mark the address verified and spend the code, in one transaction, only while the profile
 *    still has the address the code was sent to and the code is still the one compared.
 * 5. Answer the profile, now telling that address what the customer asks for.
 * The code is never logged.
 */
export async function verifyContact(
  deps: Pick<Deps, 'profiles' | 'clock' | 'vault'>,
  actor: Actor,
  input: { readonly channel: Channel; readonly code: string },
): Promise<ProfileView> {
  if (!hasRole(actor, 'customer')) throw new ForbiddenError('FORBIDDEN', 'Only customers have a profile');
  const now = deps.clock.now();
  const reserved = await deps.profiles.reserveVerificationAttempt(actor.sub, input.channel, now, verificationPolicy.maxAttempts);
  if (reserved.outcome !== 'reserved') {
    if (reserved.outcome === 'expired') throw new ConflictError('CODE_EXPIRED', 'The code has expired; save the address again with PUT /me to get a new one');
    if (reserved.outcome === 'exhausted') throw new TooManyAttemptsError(60, 'Too many wrong codes for this address; save it again with PUT /me to get a new code');
    throw new ConflictError('NO_CODE_PENDING', `No code is waiting for the ${input.channel} address; save it with PUT /me to get one`);
  }

  const { challenge } = reserved;
  if (!deps.vault.matches(verificationScope(actor.sub, challenge), input.code, challenge.codeHash)) {
    const left = verificationPolicy.maxAttempts - challenge.attempts;
    throw new ForbiddenError('INVALID_VERIFICATION_CODE', `The code is wrong; ${left} ${left === 1 ? 'attempt' : 'attempts'} left`);
  }
  if (!(await deps.profiles.markVerified(actor.sub, challenge, now))) {
    throw new ConflictError('NO_CODE_PENDING', 'The address changed, or a newer code was sent, since this code; use the newest code');
  }
  const profile = await deps.profiles.get(actor.sub);
  if (profile === undefined) throw new NotFoundError('NOT_FOUND', 'The profile is gone');
  return profileView(profile);
}
