/**
 * API Gateway's own answers, rewritten to the service's error shape so a client parses one format
 * whether the Lambda or the gateway answered. Messages are fixed text or API Gateway's short
 * message string: never the validation detail, which would need escaping the template cannot do.
 * Plain data with no CDK import: the api construct deploys it, and the local gateway of `npm start`
 * answers with it (`npm run start:assembly` reads the same answers back from the template).
 */
export type GatewayResponseType =
  | 'UNAUTHORIZED'
  | 'ACCESS_DENIED'
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'BAD_REQUEST_BODY'
  | 'BAD_REQUEST_PARAMETERS'
  | 'THROTTLED'
  | 'REQUEST_TOO_LARGE'
  | 'WAF_FILTERED'
  | 'DEFAULT_4XX'
  | 'DEFAULT_5XX';

export interface GatewayResponseDefinition {
  readonly type: GatewayResponseType;
  readonly statusCode?: string;
  readonly code: string;
  /** A literal message; when absent, API Gateway's own (already quoted) message string. */
  readonly message?: string;
}

export const gatewayResponses: readonly GatewayResponseDefinition[] = [
  { type: 'UNAUTHORIZED', statusCode: '401', code: 'UNAUTHORIZED' },
  { type: 'ACCESS_DENIED', statusCode: '403', code: 'FORBIDDEN' },
  // API Gateway answers an unknown path or method with this type, so to a client it is a 404.
  { type: 'MISSING_AUTHENTICATION_TOKEN', statusCode: '404', code: 'NOT_FOUND', message: 'No such route' },
  { type: 'BAD_REQUEST_BODY', statusCode: '400', code: 'VALIDATION_ERROR' },
  { type: 'BAD_REQUEST_PARAMETERS', statusCode: '400', code: 'VALIDATION_ERROR' },
  { type: 'THROTTLED', statusCode: '429', code: 'TOO_MANY_REQUESTS', message: 'Too many requests' },
  { type: 'REQUEST_TOO_LARGE', statusCode: '413', code: 'REQUEST_TOO_LARGE', message: 'Request too large' },
  { type: 'WAF_FILTERED', statusCode: '403', code: 'FORBIDDEN', message: 'Request blocked' },
  { type: 'DEFAULT_5XX', code: 'INTERNAL_ERROR', message: 'Internal error' },
];

export function errorTemplate(code: string, message?: string): string {
  const text = message === undefined ? '$context.error.messageString' : JSON.stringify(message);
  return `{"error":{"code":"${code}","message":${text}}}`;
}
