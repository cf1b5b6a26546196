import { ensureTimeLeft, timeLeft } from '#shared/deadline';
import { UnavailableError } from '#shared/domain/errors';

/** What an attempt answers when its conditional write found the state moved on since it read it. */
export const stale = Symbol('stale');
export type Attempt<T> = Promise<T | typeof stale>;

/** Concurrent requests on one parcel or slot settle within a few rounds; past these, the caller retries. */
export const defaultRounds = 6;

/**
 * The one loop for "read, decide, write conditionally, retry when stale". Each attempt reads
 * afresh, decides, and writes conditionally on the versions it read. Nothing is written by an
 * attempt that answers `stale`, so giving up is honest: 503 TRY_AGAIN, safe to repeat.
 */
export async function untilSettled<T>(what: string, attempt: () => Attempt<T>, rounds = defaultRounds): Promise<T> {
  for (let round = 0; round < rounds; round++) {
    // A round started after the invocation's deadline would be answered by nobody.
    ensureTimeLeft(what);
    const outcome = await attempt();
    if (outcome !== stale) return outcome;
    await pause(round);
  }
  throw new UnavailableError(`${what} kept changing; nothing was changed, try again`);
}

/** Jittered backoff so two conflicting writers do not collide again in lockstep. */
export function pause(round: number): Promise<void> {
  const ms = Math.min(Math.random() * Math.min(200, 10 * 2 ** round), Math.max(0, timeLeft()));
  return new Promise((resolve) => setTimeout(resolve, ms));
}
