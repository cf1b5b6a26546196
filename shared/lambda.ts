import middy, { type MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import { logger, metrics, tracer } from '#shared/adapters/observability';

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
 * The base middy stack every function shares, whatever triggers it: the logger carries the
 * invocation's context (request id, cold start, function name), the tracer opens a segment per
 * invocation (responses are never recorded: they can carry pickup codes), and counted metrics are
 * flushed as EMF. Trigger-specific stacks (HTTP, schedules, streams) add their own middlewares.
 */
export function lambdaHandler<Event, Result>(fn: (event: Event, context: Context) => Promise<Result>) {
  return middy<Event, Result>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(publishMetrics())
    .handler(fn);
}
