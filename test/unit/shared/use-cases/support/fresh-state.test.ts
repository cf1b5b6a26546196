import { describe, expect, it } from 'vitest';
import { withDeadline } from '#shared/deadline';
import { UnavailableError } from '#shared/domain/errors';
import { stale, untilSettled } from '#shared/use-cases/support/fresh-state';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('untilSettled under the invocation deadline', () => {
  it('starts no round after the deadline, and answers TRY_AGAIN in time', async () => {
    // Prepare: every round takes 80 ms and finds the state moved; the invocation has 200 ms.
    let rounds = 0;
    const attempt = async () => {
      rounds += 1;
      await sleep(80);
      return stale;
    };
    const started = performance.now();

    // Act
    const thrown = await withDeadline(200, () => untilSettled('The parcel', attempt)).catch((caught: unknown) => caught);

    // Assess
    const elapsed = performance.now() - started;
    expect(thrown).toEqual(new UnavailableError('The parcel did not finish in time; try again'));
    expect({ rounds: rounds <= 3, inTime: elapsed < 400 }).toEqual({ rounds: true, inTime: true });
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
