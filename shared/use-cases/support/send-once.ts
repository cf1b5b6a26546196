import { timeLeft } from '#shared/deadline';
import { UnavailableError, UndeliverableError } from '#shared/domain/errors';
import { quotaWindowOf } from '#shared/domain/verification';
import type { SendLease } from '#shared/ports';
import type { Deps } from '../deps.ts';
import { errorName } from './doors.ts';

export type SendOutcome = 'sent' | 'settled-before' | 'undeliverable' | 'limited';

/** Why a message refused by its destination's limit was settled unsent, as the sent log records it. */
export const limitedReason = 'DestinationLimit';

/**
 * Primary course (one message, at most once per key):
 * 1. Take the key in the sent log; a key settled already (a redelivered record, a second sweep)
 *    sends nothing. One held by another sender is waited for when its lease lapses in time for a
 *    send still to fit in the invocation (the holder most likely died: Lambda retries a record
 *    within seconds), then taken; otherwise it throws TRY_AGAIN, its outcome not known yet.
 * 2. A paid message (SMS, email) takes one from its destination's budget for the hour, with one
 *    conditional write. Spent: mark the key settled unsent, log and count it, and carry on: the
 *    record is not retried and goes to no dead-letter queue, since the limit is the service working.
 *    A budget taken is not given back when the send then fails: the retry takes another, so a
 *    channel failing over and over spends the budget of its destination rather than passing it.
 * 3. Send.
 * 4. Sent: mark the key sent. Refused for good (a number SNS will not text, or that opted out):
 *    mark it undeliverable, log and count it, and carry on, since no retry can change it.
 *    Any other failure: give the key back and rethrow, so the record is tried again.
 * `what` names the message in logs (a key, a channel); the address and the text never appear there.
 * A send that succeeded but could not be marked leaves the lease to lapse and the key to be sent
 * again: SNS and SES take no idempotency token, so that is the one way a message can go twice.
 */
export async function sendOnce(
  deps: Pick<Deps, 'sent' | 'clock' | 'metrics' | 'logger' | 'quota' | 'messagesPerDestinationHour'>,
  key: string,
  what: Readonly<Record<string, string>>,
  send: () => Promise<void>,
  /** For a paid channel: the destination's keyed hash (`PickupCodeVault.destinationKey`). */
  limit?: { readonly destinationKey: string },
): Promise<SendOutcome> {
  const lease = await take(deps, key);
  if (lease === undefined) return 'settled-before';
  if (limit !== undefined) {
    let allowed: boolean;
    try {
      allowed = await deps.quota.reserve(limit.destinationKey, quotaWindowOf(deps.clock.now()), deps.messagesPerDestinationHour, 'messages');
    } catch (error) {
      await giveBack(deps, lease, key);
      throw error;
    }
    if (!allowed) {
      deps.logger.warn("A message was refused by its destination's hourly limit and will not be sent", { key, ...what });
      deps.metrics.count('NotificationLimited');
      await lease.undeliverable(deps.clock.now(), limitedReason);
      return 'limited';
    }
  }
  try {
    await send();
  } catch (error) {
    if (error instanceof UndeliverableError) {
      deps.logger.warn('A message was refused for good and will not be retried', { key, ...what, reason: error.reason });
      deps.metrics.count('NotificationUndeliverable');
      await lease.undeliverable(deps.clock.now(), error.reason);
      return 'undeliverable';
    }
    await giveBack(deps, lease, key);
    throw error;
  }
  await lease.sent(deps.clock.now());
  return 'sent';
}

async function giveBack(deps: Pick<Deps, 'logger'>, lease: SendLease, key: string): Promise<void> {
  await lease.release().catch((releaseError: unknown) =>
    deps.logger.warn('Could not give a send back; its retry waits for the lease to lapse', { key, error: errorName(releaseError) }),
  );
}

/** Time kept for the send after a wait: three SDK attempts of at most 3 s each, with backoff. */
const sendMs = 10_000;
/** The longest wait for a lease, should the invocation have no deadline: one lease and some. */
const maxWaitMs = 20_000;
/** Past the lease's end, so the conditional take (`leaseUntil < now`) finds it lapsed. */
const pastLapseMs = 50;

/**
 * Takes the key, waiting for a held lease to lapse when it lapses in time. Each lease is waited for
 * once: a lease that still holds after its end (a clock that does not move, as in tests) or a
 * second one after it (another sender took it first) means TRY_AGAIN, so the wait stays bounded.
 */
async function take(deps: Pick<Deps, 'sent' | 'clock'>, key: string): Promise<SendLease | undefined> {
  const waited = new Set<number>();
  for (;;) {
    const at = deps.clock.now();
    const taken = await deps.sent.begin(key, at);
    if (taken === undefined || !('heldUntil' in taken)) return taken;
    const heldMs = taken.heldUntil.getTime() - at.getTime();
    const waitMs = heldMs + pastLapseMs;
    if (waited.has(taken.heldUntil.getTime()) || waited.size >= 2 || waitMs > Math.min(maxWaitMs, timeLeft() - sendMs)) {
      throw heldElsewhere(heldMs);
    }
    waited.add(taken.heldUntil.getTime());
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, waitMs)));
  }
}

/** The answer while another sender holds the key: its outcome is unknown until it settles or lapses. */
function heldElsewhere(heldMs: number): UnavailableError {
  return new UnavailableError('The message is being sent by another delivery; try again', Math.max(1, Math.ceil(heldMs / 1000)));
}
