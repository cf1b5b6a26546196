/**
 * Typed domain errors. Each class is one kind of refusal; the HTTP error middleware maps the
 * classes to status codes with `instanceof`, and the `code` is what callers see.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
}

/** The object does not exist, or the caller may not know that it does (BOLA: never confirm). */
export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  constructor(
    readonly code: 'NOT_FOUND' | 'LOCATION_NOT_FOUND' | 'LOCKER_NOT_FOUND' | 'SLOT_NOT_FOUND' | 'PARCEL_NOT_FOUND',
    message: string,
  ) {
    super(message);
  }
}

/** The request is well-formed but the current state forbids it. */
export class ConflictError extends DomainError {
  override readonly name = 'ConflictError';
  constructor(
    readonly code:
      | 'NO_SLOT_AVAILABLE'
      | 'INVALID_STATE'
      | 'PARCEL_EXPIRED'
      | 'PARCEL_EXISTS'
      | 'LOCATION_EXISTS'
      | 'LOCKER_EXISTS'
      | 'LOCKER_NOT_EMPTY'
      | 'SLOT_OCCUPIED'
      | 'IDEMPOTENCY_KEY_REUSED'
      | 'LOCKER_OFFLINE'
      | 'SLOT_OUT_OF_SERVICE'
      | 'DOOR_BUSY'
      | 'DOOR_NOT_CLOSED'
      | 'NO_CODE_PENDING'
      | 'CODE_EXPIRED',
    message: string,
  ) {
    super(message);
  }
}

/** The caller is known but not allowed to do this (wrong role, wrong location, wrong code). */
export class ForbiddenError extends DomainError {
  override readonly name = 'ForbiddenError';
  constructor(
    readonly code: 'FORBIDDEN' | 'INVALID_PICKUP_CODE' | 'INVALID_VERIFICATION_CODE',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Too many attempts (wrong pickup or verification codes, new codes), or too many messages to one
 * address this hour (`TOO_MANY_MESSAGES`): the caller must wait.
 */
export class TooManyAttemptsError extends DomainError {
  override readonly name = 'TooManyAttemptsError';
  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many wrong pickup codes; try again later',
    readonly code: 'TOO_MANY_ATTEMPTS' | 'TOO_MANY_MESSAGES' = 'TOO_MANY_ATTEMPTS',
  ) {
    super(message);
  }
}

/** A request that breaks a rule the schema cannot express. */
export class ValidationError extends DomainError {
  override readonly name = 'ValidationError';
  readonly code = 'VALIDATION_ERROR';
  constructor(
    message: string,
    readonly details: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/**
 * A dependency (the locker's shadow, the table) did not answer in time, and whatever was started
 * has been undone, or is safe to repeat: the caller retries after `retryAfterSeconds`.
 */
export class UnavailableError extends DomainError {
  override readonly name = 'UnavailableError';
  readonly code = 'TRY_AGAIN';
  constructor(
    message: string,
    readonly retryAfterSeconds = 2,
  ) {
    super(message);
  }
}

/**
 * A channel refused one message for good (SNS will not text that number, SES rejected the address
 * or the message): sending it again cannot succeed. Never reaches HTTP: the notifier records the
 * send as undeliverable instead of retrying it until the stream gives up. The message names only
 * the channel's reason, never the address or the text.
 */
export class UndeliverableError extends Error {
  override readonly name = 'UndeliverableError';
  constructor(readonly reason: string) {
    super(`The message was refused for good (${reason})`);
  }
}

/**
 * What may be logged of an error from an SDK or provider (one carrying `$metadata`): its name and
 * HTTP status, never its message, which can quote an address, a key or a request's content.
 * @returns undefined for any other error.
 */
export function sdkFailureFields(error: unknown): { readonly error: string; readonly status?: number } | undefined {
  if (!(error instanceof Error) || !('$metadata' in error)) return undefined;
  const status = (error.$metadata as { httpStatusCode?: unknown } | undefined)?.httpStatusCode;
  return { error: error.name, ...(typeof status === 'number' ? { status } : {}) };
}
