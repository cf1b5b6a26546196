import type { Clock } from '#shared/ports';

/**
 * Wall-clock time plus an offset. Nothing in a deployed stack ever moves the offset; the local
 * stack's `POST /_local/clock` does, so expiry can be tried without waiting three days.
 */
export class AdjustableClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(milliseconds: number): void {
    this.offsetMs += milliseconds;
  }
}

/** The process-wide clock every handler uses. */
export const systemClock = new AdjustableClock();
