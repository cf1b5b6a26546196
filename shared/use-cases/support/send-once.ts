import { logger } from '#shared/adapters/observability';
import { UndeliverableError } from '#shared/domain/errors';
import type { Deps } from '../deps.ts';
import { errorName } from './doors.ts';

export type SendOutcome = 'sent' | 'settled-before' | 'undeliverable';

/**
 * Primary course (one message, at most once per key):
 * 1. Take the key in the sent log; a key settled already (a redelivered record, a second sweep)
 *    sends nothing. One held by a live sender throws TRY_AGAIN: its outcome is not known yet.
 * 2. Send.
 * 3. Sent: mark the key sent. Refused for good (a number SNS will not text, or that opted out):
 *    mark it undeliverable, log and count it, and carry on, since no retry can change it.
 *    Any other failure: give the key back and rethrow, so the record is tried again.
 * `what` names the message in logs (a key, a channel); the address and the text never appear there.
 * A send that succeeded but could not be marked leaves the lease to lapse and the key to be sent
 * again: SNS and SES take no idempotency token, so that is the one way a message can go twice.
 */
export async function sendOnce(
  deps: Pick<Deps, 'sent' | 'clock' | 'metrics'>,
  key: string,
  what: Readonly<Record<string, string>>,
  send: () => Promise<void>,
): Promise<SendOutcome> {
  const lease = await deps.sent.begin(key, deps.clock.now());
  if (lease === undefined) return 'settled-before';
  try {
    await send();
  } catch (error) {
    if (error instanceof UndeliverableError) {
      logger.warn('A message was refused for good and will not be retried', { key, ...what, reason: error.reason });
      deps.metrics.count('NotificationUndeliverable');
      await lease.undeliverable(deps.clock.now(), error.reason);
      return 'undeliverable';
    }
    await lease.release().catch((releaseError: unknown) =>
      logger.warn('Could not give a send back; its retry waits for the lease to lapse', { key, error: errorName(releaseError) }),
    );
    throw error;
  }
  await lease.sent(deps.clock.now());
  return 'sent';
}
