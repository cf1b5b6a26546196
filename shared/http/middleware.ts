import httpCors from '@middy/http-cors';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { httpSettings } from '#shared/config';
import { lambdaHandler } from '#shared/lambda';
import { errorResponses } from './errors.ts';
import { jsonResponse } from './response.ts';

const { allowedOrigins } = httpSettings();

/**
 * No Reporting API endpoint is configured, and middy would otherwise send `Reporting-Endpoints`
 * empty; its option type does not list the key (6.x), although the middleware honours it.
 */
const securityHeaderOptions = { reportingEndpoints: false } as unknown as Parameters<typeof httpSecurityHeaders>[0];

/**
 * The middy stack every HTTP function shares: the base stack plus header normalisation, security
 * headers, CORS and the one error mapping. Kept apart from `handler.ts` so that a route needing no
 * ports (health) bundles without the composition root and the AWS SDK.
 */
export function withMiddleware(fn: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>) {
  return lambdaHandler(fn)
    .use(httpHeaderNormalizer())
    .use(httpSecurityHeaders(securityHeaderOptions))
    .use(httpCors({ origins: allowedOrigins, disableBeforePreflightResponse: true }))
    .use(errorResponses());
}

/** For the few routes anyone may call, which use no port. */
export function publicRoute(fn: () => Promise<{ statusCode: number; body?: unknown }>) {
  return withMiddleware(async () => {
    const result = await fn();
    return jsonResponse(result.statusCode, result.body);
  });
}
