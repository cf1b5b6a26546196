import middy, { type MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import { logger, metrics, tracer } from '#shared/adapters/observability';
import { outOfTime, withDeadline } from '#shared/deadline';

/**
 * Publishes what the invocation counted, and nothing when it counted nothing (Powertools'
 * `logMetrics` would log a warning on every such invocation).
 */
function publishMetrics(): MiddlewareObj {
  const publish = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: publish, onError: publish };
}

/**
 * Kept back from the invocation's remaining time to answer: map the error, log, serialise, and
 * reach the caller before Lambda's timeout (and API Gateway's 29 s, which every HTTP function's
 * timeout is below) would answer for us.
 */
export const answerMarginMs = 1_000;

/** How long the handler may work: the invocation's remaining time less the margin to answer. */
export function workingTime(context: Pick<Context, 'getRemainingTimeInMillis'>): number {
  return Math.max(0, context.getRemainingTimeInMillis() - answerMarginMs);
}

/**
 * The base middy stack every function shares, whatever triggers it: the logger carries the
 * invocation's context (request id, cold start, function name), the tracer opens a segment per
 * invocation (responses are never recorded: they can carry pickup codes), and counted metrics are
 * flushed as EMF. Trigger-specific stacks (HTTP, schedules, streams) add their own middlewares.
 * The handler runs under the invocation's deadline: SDK calls and retry loops stop in time, and a
 * handler still busy at the deadline answers TRY_AGAIN instead of being cut off by the timeout
 * (a 502 from API Gateway, with whatever it was writing landing afterwards unannounced).
 */
export function lambdaHandler<Event, Result>(fn: (event: Event, context: Context) => Promise<Result>) {
  return middy<Event, Result>({
    // The last resort if the handler is still busy: half the margin after the deadline it works
    // to, so its own way of giving up comes first. middy's default answer here is an error our
    // mapping would turn into a 500, when the truth is "unknown, try again".
    timeoutEarlyInMillis: answerMarginMs / 2,
    timeoutEarlyResponse: () => {
      throw outOfTime('The request');
    },
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(publishMetrics())
    .handler((event, context) => withDeadline(workingTime(context), () => fn(event, context)));
}
