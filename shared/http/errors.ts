import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, sdkFailureFields, TooManyAttemptsError, UnavailableError, ValidationError } from '#shared/domain/errors';
import { logger } from '#shared/adapters/observability';
import { jsonResponse } from './response.ts';

/** A request refused before it reaches a use case: no or bad credentials. */
export class UnauthorizedError extends DomainError {
  override readonly name = 'UnauthorizedError';
  readonly code = 'UNAUTHORIZED';
}

export type DomainErrorType = abstract new (...args: never[]) => DomainError;

/**
 * The one map from typed errors to HTTP statuses; order matters only for subclasses. The OpenAPI
 * generator (scripts/openapi/) documents each code under the status it reads here.
 */
export const statusByError: readonly (readonly [DomainErrorType, number])[] = [
  [ValidationError, 400],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [TooManyAttemptsError, 429],
  [UnavailableError, 503],
];

/** What anything that is not a typed error becomes. */
export const internalError = { code: 'INTERNAL_ERROR', status: 500 } as const;

/**
 * Turns any thrown error into our error shape. Domain errors keep their code and message;
 * anything else becomes a bare 500 and is logged here, so no stack trace or SDK message ever
 * reaches a caller. An SDK error is logged by name and HTTP status only, never its message.
 */
export function errorResponses(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: async (request) => {
      request.response = toErrorResponse(request.error);
    },
  };
}

export function toErrorResponse(error: unknown): APIGatewayProxyResult {
  const status = error instanceof DomainError ? statusByError.find(([type]) => error instanceof type)?.[1] : undefined;
  if (error instanceof DomainError && status !== undefined) {
    if (status === 429) logger.warn('Refused: too many attempts', { code: error.code });
    const details = error instanceof ValidationError && error.details.length > 0 ? { details: error.details } : {};
    const headers =
      error instanceof TooManyAttemptsError || error instanceof UnavailableError ? { 'Retry-After': String(error.retryAfterSeconds) } : undefined;
    return jsonResponse(status, { error: { code: error.code, message: error.message, ...details } }, headers);
  }
  // An SDK error's message can quote what it was sent (an address, a key): its name and status only.
  const sdkFailure = sdkFailureFields(error);
  if (sdkFailure !== undefined) logger.error('Unhandled SDK error', sdkFailure);
  else if (error instanceof Error) logger.error('Unhandled error', error);
  else logger.error('Unhandled non-error thrown', { thrown: String(error) });
  return jsonResponse(internalError.status, { error: { code: internalError.code, message: 'Internal server error' } });
}
