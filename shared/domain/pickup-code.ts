/**
 * Ten digits: still quick to type on a kiosk (a phone number's length), and long enough that a
 * location's budget can be large enough for no single client to spend it while a guesser's daily
 * odds stay below 0.1% (docs/decisions.md, "Code guessing").
 */
export const pickupCodeDigits = 10;
export const pickupCodePattern = /^\d{10}$/;

/**
 * The app route also takes the 8-digit codes a deployment issued before codes grew to 10 digits,
 * so parcels stored then stay collectable until they are gone (a pickup window is at most 30
 * days). Only there: the owner's token names the parcel and five wrong codes lock it, whereas at
 * the kiosk an 8-digit code would make the location budget's arithmetic fail.
 */
export const ownerPickupCodePattern = /^(\d{8}|\d{10})$/;

/** Per parcel: five wrong codes in a row lock it for fifteen minutes, even against the right code. */
export const parcelAttemptPolicy = { maxFailedAttempts: 5, lockMinutes: 15 } as const;

/**
 * Per location: a kiosk guesses among every parcel there, not one, so the location has a budget of
 * attempts: 500 per fixed five-minute window, reserved before a code is looked at. A right code
 * gives its attempt back, so only wrong codes spend it: at most 500 × 288 = 144,000 guesses a day,
 * each hitting one of ~60 codes among 10^10 (0.086% a day). 500 is five times what the WAF lets one
 * client IP send to the guessable routes in five minutes, so no single attacker can spend it.
 */
export const kioskAttemptPolicy = { attemptsPerWindow: 500, attemptsPerKioskPerWindow: 50, windowMinutes: 5 } as const;

/**
 * Each kiosk token also has a budget of its own (50 a window, far more wrong codes than people at
 * one kiosk type): one client, even before the WAF's per-IP rule catches up (its rate rules can lag
 * by up to minutes), spends at most a tenth of the location's budget. Closing a location takes ten
 * kiosk tokens, each issued by an admin.
 */
export function kioskBudgetOfOneKiosk(locationBudget: number): number {
  return Math.min(kioskAttemptPolicy.attemptsPerKioskPerWindow, locationBudget);
}

/** Whose attempts a counter holds: a location's kiosks together, or one kiosk token among them. */
export interface KioskCounter {
  readonly locationId: string;
  readonly kioskId?: string;
}

/**
 * The largest budget per window that keeps the daily odds of a hit below `dailyOdds` with `parcels`
 * stored at a location: budget × windows a day × parcels / 10^digits ≤ dailyOdds. At 0.1% a day,
 * 500 holds up to 69 parcels; a location holding more needs a lower budget (docs/decisions.md).
 */
export function kioskBudgetFor(parcels: number, dailyOdds = 0.001): number {
  const windowsPerDay = (24 * 60) / kioskAttemptPolicy.windowMinutes;
  return Math.floor((dailyOdds * 10 ** pickupCodeDigits) / (windowsPerDay * Math.max(1, parcels)));
}

/** One fixed window of a location's kiosk budget, aligned to the clock so every kiosk agrees on it. */
export interface KioskWindow {
  readonly start: Date;
  readonly end: Date;
}

export function kioskWindowAt(now: Date): KioskWindow {
  const length = kioskAttemptPolicy.windowMinutes * 60_000;
  const start = Math.floor(now.getTime() / length) * length;
  return { start: new Date(start), end: new Date(start + length) };
}

/** Whole seconds until `end`, at least one: what Retry-After says. */
export function secondsUntil(end: Date, now: Date): number {
  return Math.max(1, Math.ceil((end.getTime() - now.getTime()) / 1000));
}

/**
 * Per parcel: a new code at most three times an hour. Each reissue writes the parcel, and an
 * unlimited stream of them would starve a carrier's or an admin's change of the same parcel.
 */
export const reissuePolicy = { maxPerWindow: 3, windowMinutes: 60 } as const;

export interface ReissueState {
  /** When the code was reissued within the last window, oldest first (at most `maxPerWindow`). */
  readonly codeReissuedAt?: readonly string[];
}

function reissuesSince(state: ReissueState, now: Date): string[] {
  const since = now.getTime() - reissuePolicy.windowMinutes * 60_000;
  return (state.codeReissuedAt ?? []).filter((at) => Date.parse(at) > since);
}

/** Seconds until another reissue is allowed; 0 when it is allowed now. */
export function reissueBlockedFor(state: ReissueState, now: Date): number {
  const recent = reissuesSince(state, now);
  if (recent.length < reissuePolicy.maxPerWindow) return 0;
  const oldest = Date.parse(recent[recent.length - reissuePolicy.maxPerWindow]!);
  return secondsUntil(new Date(oldest + reissuePolicy.windowMinutes * 60_000), now);
}

/** The state after one more reissue: only the reissues that still count are kept. */
export function afterReissue(state: ReissueState, now: Date): Required<ReissueState> {
  return { codeReissuedAt: [...reissuesSince(state, now), now.toISOString()].slice(-reissuePolicy.maxPerWindow) };
}

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
