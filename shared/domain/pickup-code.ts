/**
 * Eight digits: still quick to type on a kiosk, and long enough that the location's attempt budget
 * keeps a guesser's daily odds below 0.1% (docs/decisions.md, "Code guessing").
 */
export const pickupCodePattern = /^\d{8}$/;

/** Per parcel: five wrong codes in a row lock it for fifteen minutes, even against the right code. */
export const parcelAttemptPolicy = { maxFailedAttempts: 5, lockMinutes: 15 } as const;

/**
 * Per location: a kiosk guesses among every parcel there, not one, so it is limited as a whole:
 * ten wrong codes within fifteen minutes throttle the location's kiosks.
 */
export const kioskAttemptPolicy = { maxFailures: 10, windowMinutes: 15 } as const;

export interface AttemptState {
  readonly failedAttempts: number;
  readonly lockedUntil?: string;
}

export function lockedFor(state: AttemptState, now: Date): number {
  if (!state.lockedUntil) return 0;
  const remainingMs = Date.parse(state.lockedUntil) - now.getTime();
  return remainingMs > 0 ? Math.ceil(remainingMs / 1000) : 0;
}

/** The state after one more wrong code: the fifth locks the parcel and starts a fresh count. */
export function afterWrongCode(state: AttemptState, now: Date): AttemptState {
  const failedAttempts = state.failedAttempts + 1;
  if (failedAttempts < parcelAttemptPolicy.maxFailedAttempts) return { failedAttempts };
  return {
    failedAttempts: 0,
    lockedUntil: new Date(now.getTime() + parcelAttemptPolicy.lockMinutes * 60_000).toISOString(),
  };
}
