import { describe, expect, it, vi } from 'vitest';
import { withDeadline } from '#shared/deadline';
import { UnavailableError } from '#shared/domain/errors';
import type { Clock, DestinationQuota, HeldSend, SendLease, SentLog } from '#shared/ports';
import { sendOnce } from '#shared/use-cases/support/send-once';
import { CountingMetrics, RecordingLogger } from '../../../../helpers/deps.ts';
import { MemoryDestinationQuota } from '../../../../helpers/notify.ts';

// Waiting for a lease takes real time, so these tests run on the real clock with leases of a few
// tens of milliseconds; what they assert does not depend on how long anything took.

/** A key held by a sender that died: its lease holds until `heldUntil`, then the first to ask takes it. */
class DeadSendersLog implements SentLog {
  readonly asked: Date[] = [];
  constructor(private heldUntil: Date) {}
  async begin(_key: string, at: Date): Promise<SendLease | HeldSend | undefined> {
    this.asked.push(at);
    if (at.getTime() <= this.heldUntil.getTime()) return { heldUntil: this.heldUntil };
    this.heldUntil = new Date(Infinity);
    return { sent: async () => undefined, undeliverable: async () => undefined, release: async () => undefined };
  }
}

const realClock: Clock = { now: () => new Date() };
const inMs = (ms: number) => new Date(Date.now() + ms);

function depsWith(sent: SentLog, clock: Clock = realClock, quota: DestinationQuota = new MemoryDestinationQuota()) {
  return { sent, clock, metrics: new CountingMetrics(), logger: new RecordingLogger(), quota, messagesPerDestinationHour: 2 };
}

/** A key nobody holds: taken at once; how it was settled is kept. */
class FreshLog implements SentLog {
  readonly settled: { status: string; reason?: string }[] = [];
  released = 0;
  async begin(): Promise<SendLease> {
    return {
      sent: async () => void this.settled.push({ status: 'SENT' }),
      undeliverable: async (_at, reason) => void this.settled.push({ status: 'UNDELIVERABLE', reason }),
      release: async () => void (this.released += 1),
    };
  }
}

describe('sendOnce, for a key held by another sender', () => {
  it('waits for a lease that lapses in time for the send, then takes the key and sends', async () => {
    // Prepare
    const heldUntil = inMs(80);
    const log = new DeadSendersLog(heldUntil);
    const send = vi.fn(async () => undefined);

    // Act
    const outcome = await withDeadline(30_000, () => sendOnce(depsWith(log), 'evt-1#sms', {}, send));

    // Assess
    expect({ outcome, sends: send.mock.calls.length, asked: log.asked.length, takenAfterLapse: log.asked[1]! > heldUntil }).toEqual({
      outcome: 'sent',
      sends: 1,
      asked: 2,
      takenAfterLapse: true,
    });
  });

  it('answers TRY_AGAIN at once when the lease outlasts the time the invocation has left for a send', async () => {
    // Prepare
    const log = new DeadSendersLog(inMs(10_000));
    const send = vi.fn(async () => undefined);

    // Act
    const thrown = await withDeadline(15_000, () => sendOnce(depsWith(log), 'evt-1#sms', {}, send)).catch((error: unknown) => error);

    // Assess
    expect(thrown).toBeInstanceOf(UnavailableError);
    expect({ retryAfter: (thrown as UnavailableError).retryAfterSeconds, sends: send.mock.calls.length, asked: log.asked.length }).toEqual({
      retryAfter: 10,
      sends: 0,
      asked: 1,
    });
  });

  it('waits for one lease once: when it still holds after its end (a clock that does not move), TRY_AGAIN', async () => {
    // Prepare
    const frozen = new Date();
    const log = new DeadSendersLog(new Date(frozen.getTime() + 30));
    const send = vi.fn(async () => undefined);

    // Act
    const thrown = await withDeadline(30_000, () => sendOnce(depsWith(log, { now: () => new Date(frozen) }), 'evt-1#sms', {}, send)).catch(
      (error: unknown) => error,
    );

    // Assess
    expect(thrown).toBeInstanceOf(UnavailableError);
    expect({ sends: send.mock.calls.length, asked: log.asked.length }).toEqual({ sends: 0, asked: 2 });
  });
});

describe("sendOnce, within a destination's hourly limit", () => {
  it('sends up to the limit, then settles each further message unsent with the limit as its reason, and counts it', async () => {
    // Prepare: a limit of two an hour.
    const log = new FreshLog();
    const deps = depsWith(log);
    const send = vi.fn(async () => undefined);

    // Act
    const outcomes = [];
    for (const key of ['evt-1#sms', 'evt-2#sms', 'evt-3#sms']) outcomes.push(await sendOnce(deps, key, {}, send, { destinationKey: 'phone-1' }));

    // Assess
    expect({ outcomes, sends: send.mock.calls.length, settled: log.settled, counted: deps.metrics.counts.get('NotificationLimited') }).toEqual({
      outcomes: ['sent', 'sent', 'limited'],
      sends: 2,
      settled: [{ status: 'SENT' }, { status: 'SENT' }, { status: 'UNDELIVERABLE', reason: 'DestinationLimit' }],
      counted: 1,
    });
  });

  it('keeps the budgets of two destinations apart, and limits nothing sent without a destination', async () => {
    // Prepare
    const deps = depsWith(new FreshLog());
    const send = vi.fn(async () => undefined);
    for (const key of ['a', 'b']) await sendOnce(deps, key, {}, send, { destinationKey: 'phone-1' });

    // Act
    const outcomes = [await sendOnce(deps, 'c', {}, send, { destinationKey: 'phone-2' }), await sendOnce(deps, 'd', {}, send)];

    // Assess
    expect(outcomes).toEqual(['sent', 'sent']);
  });

  it('gives the key back when the limit cannot be read, so the record is tried again', async () => {
    // Prepare
    const log = new FreshLog();
    const broken: DestinationQuota = { reserve: async () => Promise.reject(new Error('table down')) };
    const send = vi.fn(async () => undefined);

    // Act
    const sending = sendOnce(depsWith(log, realClock, broken), 'evt-1#sms', {}, send, { destinationKey: 'phone-1' });

    // Assess
    await expect(sending).rejects.toThrow('table down');
    expect({ sends: send.mock.calls.length, released: log.released, settled: log.settled }).toEqual({ sends: 0, released: 1, settled: [] });
  });
});
