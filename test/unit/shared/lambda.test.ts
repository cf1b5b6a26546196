import { createRequire, syncBuiltinESMExports } from 'node:module';
import type * as NodeTimers from 'node:timers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { timeLeft } from '#shared/deadline';
import { withMiddleware } from '#shared/http/middleware';
import { answerMarginMs } from '#shared/lambda';
import { apiGatewayEvent, lambdaContext } from '#test/helpers/events';

/** A context whose invocation ends `ms` after it is made, as Lambda's does. */
function contextEndingIn(ms: number) {
  const end = performance.now() + ms;
  return { ...lambdaContext(), getRemainingTimeInMillis: () => Math.max(0, Math.round(end - performance.now())) };
}

describe('the invocation deadline in the base stack', () => {
  // Time is the fake timers', so a loaded machine cannot stretch it. middy takes `setTimeout` by
  // name from `node:timers`, which the fake timers leave alone: that module hands on to the faked
  // globals while a test runs.
  const timers = createRequire(import.meta.url)('node:timers') as typeof NodeTimers;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    vi.spyOn(timers, 'setTimeout').mockImplementation(((...args: Parameters<typeof setTimeout>) => globalThis.setTimeout(...args)) as typeof setTimeout);
    vi.spyOn(timers, 'clearTimeout').mockImplementation((id) => globalThis.clearTimeout(id));
    syncBuiltinESMExports();
  });

  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
    syncBuiltinESMExports();
  });

  it('gives the handler the remaining time less the margin to answer', async () => {
    // Prepare
    let seen = 0;
    const handler = withMiddleware(async () => {
      seen = timeLeft();
      return { statusCode: 204, body: '' };
    });

    // Act
    await handler(apiGatewayEvent(), contextEndingIn(5_000));

    // Assess
    expect(seen).toBe(5_000 - answerMarginMs);
  });

  it('answers 503 TRY_AGAIN with Retry-After before the invocation times out when the handler is still busy', async () => {
    // Prepare
    const handler = withMiddleware(() => new Promise(() => undefined));
    const started = performance.now();

    // Act
    const answer = handler(apiGatewayEvent(), contextEndingIn(1_500));
    await vi.advanceTimersByTimeAsync(1_500 - answerMarginMs / 2);
    const response = await Promise.race([answer, 'no answer yet']);

    // Assess
    expect(response).not.toBe('no answer yet');
    const answered = response as Awaited<typeof answer>;
    expect({
      statusCode: answered.statusCode,
      retryAfter: answered.headers?.['Retry-After'],
      body: JSON.parse(answered.body) as unknown,
      answeredAt: performance.now() - started,
    }).toEqual({
      statusCode: 503,
      retryAfter: '2',
      body: { error: { code: 'TRY_AGAIN', message: 'The request did not finish in time; try again' } },
      answeredAt: 1_500 - answerMarginMs / 2,
    });
  });
});
