import type { MiddlewareStack } from '@smithy/types';
import { outOfTime, timeLeft } from '#shared/deadline';
import { UnavailableError } from '#shared/domain/errors';
import type { SdkSettings } from '#shared/config';
import { logger } from './observability.ts';

/**
 * What every SDK client of ours is built with. Without these the SDK waits on a stalled
 * connection for as long as the socket lives, and `requestTimeout` alone only logs a warning
 * unless `throwOnRequestTimeout` is set.
 */
export function clientOptions(settings: SdkSettings) {
  return {
    maxAttempts: settings.SDK_MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: settings.SDK_CONNECTION_TIMEOUT_MS,
      requestTimeout: settings.SDK_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  };
}

// Only the middleware stack is touched; each client's own type has a stack of its own input and
// output types, which this code never looks into.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStack = MiddlewareStack<any, any>;

/**
 * Makes a client keep to the invocation's deadline and speak our errors:
 * - each attempt (inside the SDK's retry loop) starts only while time is left and is given up at
 *   the deadline, so no call outlives the time its caller waits;
 * - an error whose outcome is unknown (a timeout, a refused or reset connection, throttling that
 *   outlasted the retries, a 5xx) becomes `UnavailableError`, answered 503 TRY_AGAIN, with a
 *   message naming only the dependency. The SDK's message stays in the log.
 * Errors that are answers (a failed condition, a cancelled transaction, a missing shadow) pass
 * through untouched for the adapter to read.
 */
export function keepingDeadline<C extends { middlewareStack: AnyStack }>(
  client: C,
  dependency: string,
  /** Error names that mean "not now" for this dependency alone (for another, the same name is an answer). */
  alsoUnavailable: readonly string[] = [],
): C {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (!isUnknownOutcome(error) && !(error instanceof Error && alsoUnavailable.includes(error.name))) throw error;
        logger.warn('A dependency did not answer', { dependency, error: describe(error) });
        throw new UnavailableError(`${dependency} did not answer; try again`);
      }
    },
    { step: 'initialize', priority: 'high', name: 'unknownOutcomeIsUnavailable', override: true },
  );
  client.middlewareStack.add(
    (next) => async (args) => {
      const left = timeLeft();
      if (left <= 0) throw outOfTime(dependency);
      if (left === Infinity) return next(args);
      const sent = next(args);
      // The request may still land (and commit) after we stop waiting: that is the unknown outcome.
      sent.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(outOfTime(dependency)), left);
      });
      try {
        return await Promise.race([sent, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'attemptWithinDeadline', override: true },
  );
  return client;
}

const throttling = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionInProgressException',
  'TooManyRequestsException',
  'LimitExceededException',
  // SNS's names for the same (Publish to a phone or a topic, and the topic's KMS key).
  'ThrottledException',
  'KMSThrottlingException',
  'Throttling',
  'SlowDown',
]);
const timeouts = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'AbortError']);
const networkCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Whether an SDK error leaves the request's outcome unknown, or says the dependency cannot serve
 * it now: both mean "try again", never "it failed for good".
 */
export function isUnknownOutcome(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof UnavailableError) return false;
  const { code, $fault, $metadata, $retryable } = error as Error & {
    code?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  const status = $metadata?.httpStatusCode ?? 0;
  return (
    throttling.has(error.name) ||
    timeouts.has(error.name) ||
    (typeof code === 'string' && networkCodes.has(code)) ||
    $fault === 'server' ||
    $retryable !== undefined ||
    status === 429 ||
    status >= 500
  );
}

function describe(error: unknown) {
  const { name, message, code } = error as Error & { code?: unknown };
  return { name, message, ...(typeof code === 'string' ? { code } : {}) };
}
