import type { APIGatewayProxyResult } from 'aws-lambda';

export function jsonResponse(statusCode: number, body?: unknown, headers?: Record<string, string>): APIGatewayProxyResult {
  return {
    statusCode,
    headers: {
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      // Responses can carry a pickup code: no cache may keep them.
      'Cache-Control': 'no-store',
      ...headers,
    },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}
