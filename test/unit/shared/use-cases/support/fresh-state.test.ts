import { afterEach, describe, expect, it, vi } from 'vitest';
import { withDeadline } from '#shared/deadline';
import { UnavailableError } from '#shared/domain/errors';
import { stale, untilSettled } from '#shared/use-cases/support/fresh-state';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('untilSettled under the invocation deadline', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts no round after the deadline, and answers TRY_AGAIN once the last round started ends', async () => {
    // Prepare: every round takes 80 ms and finds the state moved; the invocation has 200 ms. Time
    // is the fake timers', so a loaded machine cannot stretch it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const started = performance.now();
    const roundsStartedAt: number[] = [];
    const attempt = async () => {
      roundsStartedAt.push(performance.now() - started);
      await sleep(80);
      return stale;
    };

    // Act
    const outcome = withDeadline(200, () => untilSettled('The parcel', attempt)).catch((caught: unknown) => caught);
    await vi.runAllTimersAsync();
    const thrown = await outcome;

    // Assess
    const elapsed = performance.now() - started;
    const lastStart = roundsStartedAt.at(-1) ?? Infinity;
    expect(thrown).toEqual(new UnavailableError('The parcel did not finish in time; try again'));
    expect({ severalRounds: roundsStartedAt.length > 1, allBeforeDeadline: roundsStartedAt.every((at) => at < 200), answeredAt: elapsed }).toEqual({
      severalRounds: true,
      allBeforeDeadline: true,
      answeredAt: lastStart + 80,
    });
  });

  it('still gives up after its rounds when there is time', async () => {
    // Prepare
    let rounds = 0;

    // Act
    const thrown = await withDeadline(10_000, () =>
      untilSettled('The parcel', async () => {
        rounds += 1;
        return stale;
      }),
    ).catch((caught: unknown) => caught);

    // Assess
    expect({ thrown, rounds }).toEqual({ thrown: new UnavailableError('The parcel kept changing; nothing was changed, try again'), rounds: 6 });
  });
});
