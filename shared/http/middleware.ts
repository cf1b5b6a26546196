import middy from '@middy/core';
import httpCors from '@middy/http-cors';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpSecurityHeaders from '@middy/http-security-headers';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { errorResponses } from './errors.ts';
import { logger } from './logger.ts';
import { jsonResponse } from './response.ts';

/**
 * No Reporting API endpoint is configured, and middy would otherwise send `Reporting-Endpoints`
 * empty; its option type does not list the key (6.x), although the middleware honours it.
 */
/**
 * Browsers calling the API need `Access-Control-Allow-Origin` on every response, which a Lambda
 * proxy integration must set itself. The allowed origins come from the deployment (unset: none).
 */
const allowedOrigins = (process.env.CORS_ALLOWED_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter(Boolean);

const securityHeaderOptions = { reportingEndpoints: false } as unknown as Parameters<typeof httpSecurityHeaders>[0];

/**
 * The middy stack every HTTP function shares. Kept apart from `handler.ts` so that a route
 * needing no table (health) bundles without the composition root and the AWS SDK.
 */
export function withMiddleware(fn: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>) {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpHeaderNormalizer())
    .use(httpSecurityHeaders(securityHeaderOptions))
    .use(httpCors({ origins: allowedOrigins, disableBeforePreflightResponse: true }))
    .use(errorResponses())
    .handler(fn);
}

/** For the few routes anyone may call. */
export function publicRoute(fn: () => Promise<{ statusCode: number; body?: unknown }>) {
  return withMiddleware(async () => {
    const result = await fn();
    return jsonResponse(result.statusCode, result.body);
  });
}
