import type { Clock } from '#shared/ports';

/**
 * The wall clock. Nothing in the service moves it; the local stack moves time by moving `Date`
 * inside the functions (infra/local/lambda/service-time.mjs), so expiry can be tried without
 * waiting three days.
 */
export const systemClock: Clock = { now: () => new Date() };
