import { ConditionalCheckFailedException, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, TooManyAttemptsError, ValidationError } from '#shared/domain/errors';
import { UnauthorizedError, toErrorResponse } from '#shared/http/errors';
import { logger } from '#shared/adapters/observability';

const jsonHeaders = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };
const internalError = {
  statusCode: 500,
  headers: jsonHeaders,
  body: JSON.stringify({ error: { code: 'INTERNAL_ERROR', message: 'Internal server error' } }),
};

beforeEach(() => {
  vi.spyOn(logger, 'error').mockImplementation(() => undefined);
  vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('toErrorResponse', () => {
  it.each([
    { error: new UnauthorizedError('Missing or invalid credentials'), statusCode: 401, code: 'UNAUTHORIZED' },
    { error: new ForbiddenError('FORBIDDEN', 'Your role may not do this'), statusCode: 403, code: 'FORBIDDEN' },
    { error: new ForbiddenError('INVALID_PICKUP_CODE', 'Wrong pickup code'), statusCode: 403, code: 'INVALID_PICKUP_CODE' },
    { error: new NotFoundError('PARCEL_NOT_FOUND', 'No such parcel'), statusCode: 404, code: 'PARCEL_NOT_FOUND' },
    { error: new ConflictError('NO_SLOT_AVAILABLE', 'No free slot'), statusCode: 409, code: 'NO_SLOT_AVAILABLE' },
    { error: new ConflictError('LOCKER_NOT_EMPTY', 'The locker still holds parcels'), statusCode: 409, code: 'LOCKER_NOT_EMPTY' },
  ])('maps $error.name $code to $statusCode with its code and message', ({ error, statusCode, code }) => {
    // Act
    const response = toErrorResponse(error);

    // Assess
    expect(response).toEqual({ statusCode, headers: jsonHeaders, body: JSON.stringify({ error: { code, message: error.message } }) });
  });

  it('maps a ValidationError to 400 with its details', () => {
    // Prepare
    const error = new ValidationError('The request body is not valid', [{ path: 'body.size', message: 'Invalid option' }]);

    // Act
    const response = toErrorResponse(error);

    // Assess
    expect(response).toEqual({
      statusCode: 400,
      headers: jsonHeaders,
      body: JSON.stringify({
        error: { code: 'VALIDATION_ERROR', message: 'The request body is not valid', details: [{ path: 'body.size', message: 'Invalid option' }] },
      }),
    });
  });

  it('leaves details out of a ValidationError that has none', () => {
    // Act
    const response = toErrorResponse(new ValidationError('The request body is not valid JSON'));

    // Assess
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'VALIDATION_ERROR', message: 'The request body is not valid JSON' } });
  });

  it('never adds details to a non-validation error, even one carrying a details property', () => {
    // Prepare
    const error = Object.assign(new ConflictError('INVALID_STATE', 'A RETRIEVED parcel cannot become CANCELLED'), { details: [{ path: 'x', message: 'y' }] });

    // Act
    const response = toErrorResponse(error);

    // Assess
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'INVALID_STATE', message: 'A RETRIEVED parcel cannot become CANCELLED' } });
  });

  it('maps TooManyAttemptsError to 429 with Retry-After in seconds', () => {
    // Act
    const response = toErrorResponse(new TooManyAttemptsError(840));

    // Assess
    expect(response).toEqual({
      statusCode: 429,
      headers: { ...jsonHeaders, 'Retry-After': '840' },
      body: JSON.stringify({ error: { code: 'TOO_MANY_ATTEMPTS', message: 'Too many wrong pickup codes; try again later' } }),
    });
  });

  it('answers an unknown error with a bare 500 that carries nothing of its message', () => {
    // Act
    const response = toErrorResponse(new TypeError("Cannot read properties of undefined (reading 'PK') at /var/task/index.mjs:42"));

    // Assess
    expect(response).toEqual(internalError);
  });

  it('answers an AWS SDK error with a bare 500, naming neither the table nor the condition', () => {
    // Prepare
    const error = new ResourceNotFoundException({ message: 'Requested resource not found: Table: prod-locker-table not found', $metadata: {} });

    // Act
    const response = toErrorResponse(error);

    // Assess
    expect(response).toEqual(internalError);
  });

  it('answers a conditional-check failure that escaped an adapter with a bare 500', () => {
    // Prepare
    const error = new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 } });

    // Act
    const response = toErrorResponse(error);

    // Assess
    expect(response).toEqual(internalError);
  });

  it('answers a thrown non-error with a bare 500', () => {
    // Act
    const response = toErrorResponse('secret-table-name');

    // Assess
    expect(response).toEqual(internalError);
  });

  it('answers a domain error with no mapped status with a bare 500', () => {
    // Prepare
    class UnmappedError extends DomainError {
      readonly code = 'UNMAPPED';
    }

    // Act
    const response = toErrorResponse(new UnmappedError('internal detail'));

    // Assess
    expect(response).toEqual(internalError);
  });

  it('logs the original error of a 500, so it is kept where operators look', () => {
    // Prepare
    const error = new Error('DynamoDB said no');

    // Act
    toErrorResponse(error);

    // Assess
    expect(logger.error).toHaveBeenCalledWith('Unhandled error', error);
  });

  it("logs an SDK error of a 500 by name and HTTP status only: its message can quote an address", () => {
    // Prepare
    const error = Object.assign(new Error('The following identities failed the check: victim@example.com'), {
      name: 'MessageRejected',
      $metadata: { httpStatusCode: 400 },
    });

    // Act
    const response = toErrorResponse(error);

    // Assess
    expect(response).toEqual(internalError);
    expect(vi.mocked(logger.error).mock.calls).toEqual([['Unhandled SDK error', { error: 'MessageRejected', status: 400 }]]);
  });
});
