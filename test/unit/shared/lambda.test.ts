import { describe, expect, it } from 'vitest';
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
    expect(seen).toBeGreaterThan(5_000 - answerMarginMs - 100);
    expect(seen).toBeLessThanOrEqual(5_000 - answerMarginMs);
  });

  it('answers 503 TRY_AGAIN with Retry-After before the invocation times out when the handler is still busy', async () => {
    // Prepare
    const handler = withMiddleware(() => new Promise(() => undefined));
    const started = performance.now();

    // Act
    const response = await handler(apiGatewayEvent(), contextEndingIn(1_500));

    // Assess
    const elapsed = performance.now() - started;
    expect({ statusCode: response.statusCode, retryAfter: response.headers?.['Retry-After'], body: JSON.parse(response.body) as unknown }).toEqual({
      statusCode: 503,
      retryAfter: '2',
      body: { error: { code: 'TRY_AGAIN', message: 'The request did not finish in time; try again' } },
    });
    expect(elapsed).toBeLessThan(1_500);
  });
});
