import { hasRole, type Actor } from '#shared/domain/actor';
import { toContact, type ContactInput } from '#shared/domain/contact';
import { ForbiddenError, sdkFailureFields, TooManyAttemptsError, UnavailableError, UndeliverableError, ValidationError } from '#shared/domain/errors';
import {
  planVerification,
  quotaWindowOf,
  verificationCodesPerDestinationHour,
  verificationMessage,
  verificationPolicy,
  type PendingAddress,
} from '#shared/domain/verification';
import type { VerificationChallenge } from '#shared/ports';
import type { Deps } from './deps.ts';
import { profileView, type ProfileView } from './get-profile.ts';

export type PutProfileDeps = Pick<Deps, 'profiles' | 'clock' | 'vault' | 'quota' | 'messagesPerDestinationHour' | 'verificationCodes' | 'notifier' | 'logger'>;

/** The keyed-hash scope of a verification code: its owner, channel and address, so it verifies nothing else. */
export function verificationScope(sub: string, pending: PendingAddress): string {
  return `verify/${sub}/${pending.channel}/${pending.address}`;
}

/**
 * Primary course:
 * 1. Only a customer has a profile (see getProfile).
 * 2. Apply the contact rules: addresses valid, channels defaulted to those with an address, a
 *    channel without its address refused, the locale resolved; a broken rule writes nothing.
 * 3. Read the saved profile and decide which addresses are verified: the token's own, and those
 *    verified before and unchanged. Every other address is pending: it is told nothing but a code.
 * 4. Take one code from each pending address's hourly budget of codes, atomically, before anything
 *    is written: a budget spent refuses the whole request (429 TOO_MANY_MESSAGES), so saving a
 *    profile again and again cannot pump messages to an address. Codes have a budget apart from the
 *    parcel messages', so a stranger naming an address cannot silence its pickup codes.
 * 5. Replace the saved profile whole (a field left out is removed) with a fresh code per pending
 *    address (its keyed hash only, with a deadline and an attempt count), in one transaction.
 * 6. Send each code to its address. A channel that refuses the address for good is a 400; any other
 *    failure is a 503 TRY_AGAIN (the code may not have left; saving again sends a new one). Either
 *    way the profile stays saved with the address pending, and only the error's name and status are
 *    logged: a provider's message can quote the address.
 * 7. Answer the profile with what is verified and what is pending (`POST /me/verify`).
 * Codes are secrets like pickup codes: never logged, never answered.
 */
export async function putProfile(deps: PutProfileDeps, actor: Actor, input: ContactInput): Promise<ProfileView> {
  if (!hasRole(actor, 'customer')) throw new ForbiddenError('FORBIDDEN', 'Only customers have a profile');
  const contact = toContact(input);
  const saved = await deps.profiles.get(actor.sub);
  const { profile, pending } = planVerification(saved, contact, {
    ...(actor.email !== undefined ? { email: actor.email } : {}),
    ...(actor.phone !== undefined ? { phone: actor.phone } : {}),
  });

  const now = deps.clock.now();
  const window = quotaWindowOf(now);
  const codesLimit = Math.min(verificationCodesPerDestinationHour, deps.messagesPerDestinationHour);
  for (const address of pending) {
    const allowed = await deps.quota.reserve(deps.vault.destinationKey(address.channel, address.address), window, codesLimit, 'codes');
    if (!allowed) {
      const retryAfter = Math.max(1, Math.ceil((window.end.getTime() - now.getTime()) / 1000));
      throw new TooManyAttemptsError(
        retryAfter,
        `Too many verification codes to this ${address.channel === 'sms' ? 'phone number' : 'email address'} this hour; try again later`,
        'TOO_MANY_MESSAGES',
      );
    }
  }

  const expiresAt = new Date(now.getTime() + verificationPolicy.validMinutes * 60_000).toISOString();
  const codes = pending.map((address) => ({ address, code: deps.verificationCodes.next() }));
  const challenges: VerificationChallenge[] = codes.map(({ address, code }) => ({
    ...address,
    codeHash: deps.vault.hash(verificationScope(actor.sub, address), code),
    expiresAt,
    attempts: 0,
  }));
  await deps.profiles.put(actor.sub, profile, now, challenges);

  for (const { address, code } of codes) {
    const { subject, body } = verificationMessage(profile.locale, address.channel, code);
    try {
      if (address.channel === 'sms') await deps.notifier.sms(address.address, body);
      else await deps.notifier.email(address.address, subject ?? '', body);
    } catch (error) {
      deps.logger.warn('Verification code not sent', { channel: address.channel, ...(sdkFailureFields(error) ?? { error: error instanceof Error ? error.name : typeof error }) });
      if (error instanceof UndeliverableError) {
        const path = address.channel === 'sms' ? 'phone' : 'email';
        throw new ValidationError('The profile is saved, but its code could not be sent to this address', [{ path, message: 'Cannot receive messages' }]);
      }
      throw new UnavailableError('The profile is saved, but its verification code may not have been sent; save it again to get a new code');
    }
  }
  return profileView(profile);
}

