import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { buildProxyEvent } from '#infra/local/api-gateway';

/** Claims as API Gateway's Cognito authorizer hands them to the function: every value a string. */
export type Claims = Record<string, string>;

export const claimsOf = {
  admin: { sub: 'admin-1', 'cognito:groups': 'admin', email: 'admin@example.com' },
  carrier: { sub: 'carrier-1', 'cognito:groups': 'carrier' },
  customer: { sub: 'customer-1', 'cognito:groups': 'customer', email: 'customer@example.com', phone_number: '+4915112345678' },
  kiosk: { sub: 'kiosk-1', 'cognito:groups': 'kiosk', 'custom:locationId': 'loc-1' },
} as const satisfies Record<string, Claims>;

export interface ApiEventOptions {
  readonly method?: string;
  /** The resource path with `{param}` placeholders, as API Gateway reports it. */
  readonly resource?: string;
  readonly path?: string;
  readonly pathParameters?: Record<string, string> | null;
  readonly queryStringParameters?: Record<string, string> | null;
  readonly headers?: Record<string, string>;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  /** Omitted: a request that reached the function without verified claims. */
  readonly claims?: Claims;
}

/**
 * An API Gateway REST (v1) proxy event, built by the local gateway's own event builder so tests
 * and `npm start` feed handlers the same shape.
 */
export function apiGatewayEvent(options: ApiEventOptions = {}): APIGatewayProxyEvent {
  const method = options.method ?? 'GET';
  const resource = options.resource ?? '/health';
  // Tests of the parsing helpers may send any method to any path; only the resource matters to the event.
  const route = { method, path: resource, authorization: 'COGNITO_USER_POOLS' as const, functionName: 'test' };
  const headers = { Host: 'api.example.com', 'User-Agent': 'vitest', ...options.headers };
  const event = buildProxyEvent({
    match: { route, pathParameters: options.pathParameters ?? null },
    request: {
      method,
      rawPath: options.path ?? resource,
      rawQuery: options.queryStringParameters ? new URLSearchParams(options.queryStringParameters).toString() : '',
      rawHeaders: Object.entries(headers).flat(),
      body: options.body ?? null,
      sourceIp: '203.0.113.10',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTimeEpoch: Date.UTC(2026, 10, 22, 10, 0, 0),
    },
    claims: options.claims ?? null,
    stage: 'prod',
  });
  return { ...event, isBase64Encoded: options.isBase64Encoded ?? false };
}

/** A JSON body as a client would send it. */
export const jsonBody = (value: unknown) => JSON.stringify(value);

/** The Lambda context middy and the logger read. */
export function lambdaContext(functionName = 'locker-service-test'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/22/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
