import { AsyncLocalStorage } from 'node:async_hooks';
import { UnavailableError } from '#shared/domain/errors';

/**
 * The time by which the current invocation must have answered (`performance.now()` milliseconds,
 * which no clock moved by tests or the local stack shifts; the global `performance`, read at each
 * call, so unit tests can fake it with their timers). It is ambient rather than a port: every
 * SDK call and every retry loop needs it, and threading it through each use case and adapter would
 * change every signature for a concern none of them decides on. Concurrent invocations in one
 * process (the local runtime) each see their own.
 */
const deadlines = new AsyncLocalStorage<number>();

/**
 * Runs `work` with a deadline `ms` from now; an enclosing, earlier deadline still wins. The
 * deadline only informs: SDK calls and retry loops consult it to stop in time. Answering at the
 * deadline when `work` is still busy is the base middy stack's job (shared/lambda.ts).
 */
export function withDeadline<T>(ms: number, work: () => Promise<T>): Promise<T> {
  return deadlines.run(Math.min(performance.now() + ms, deadlines.getStore() ?? Infinity), work);
}

/** Milliseconds the current invocation has left (Infinity outside any deadline). */
export function timeLeft(): number {
  const at = deadlines.getStore();
  return at === undefined ? Infinity : at - performance.now();
}

/** @throws UnavailableError when the current invocation has no time left for another round. */
export function ensureTimeLeft(what: string): void {
  if (timeLeft() <= 0) throw outOfTime(what);
}

/**
 * The answer when time ran out. What was under way may or may not have taken effect, which the
 * caller learns by repeating the request: every write is safe to repeat (a store with its
 * Idempotency-Key).
 */
export function outOfTime(what: string): UnavailableError {
  return new UnavailableError(`${what} did not finish in time; try again`);
}
