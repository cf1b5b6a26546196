import * as z from 'zod/mini';
import { kioskAttemptPolicy } from '#shared/domain/pickup-code';
import { defaultMessagesPerDestinationHour } from '#shared/domain/verification';

/**
 * The environment, read here and nowhere else in our code (Powertools and the SDK read their own
 * variables). Each port has its own reader, called when that port is built at cold start: a function
 * reads only the variables of the ports it declares, and a missing or malformed one fails the first
 * invocation loudly with its name instead of surfacing later as `undefined`. The HTTP and
 * observability settings, which every function has and which all default, are read at module load.
 */
type Env = Readonly<Record<string, string | undefined>>;

function read<T>(port: string, schema: z.ZodMiniType<T>, env: Env): T {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
  throw new Error(`Invalid configuration for ${port}: ${problems.join('; ')}`);
}

const present = z.string().check(z.minLength(1));

/** The table port: which table. */
export function tableConfig(env: Env = process.env) {
  return read('the table', z.object({ TABLE_NAME: present }), env);
}

const pickupCodeSecretSchema = z
  .object({
    /**
     * In AWS: a Secrets Manager secret whose plain string value (32+ characters) is the pickup-code
     * secret. The HMAC key and the encryption key are both derived from it (HKDF, distinct labels).
     */
    PICKUP_CODE_SECRET_ARN: z.optional(present),
    /** Locally and in tests: the same secret given directly. */
    PICKUP_CODE_SECRET: z.optional(z.string().check(z.minLength(32, 'must be at least 32 characters'))),
  })
  .check(
    z.refine((env) => env.PICKUP_CODE_SECRET_ARN !== undefined || env.PICKUP_CODE_SECRET !== undefined, {
      message: 'set PICKUP_CODE_SECRET_ARN (deployed) or PICKUP_CODE_SECRET (local)',
    }),
  );

/** The pickup-code vault: where its secret comes from. */
export function pickupCodeSecretConfig(env: Env = process.env) {
  return read('the pickup-code vault', pickupCodeSecretSchema, env);
}

/** A whole number in a range, refused with the range itself (the local stack shows it to whoever set it). */
const wholeNumber = (min: number, max: number, fallback: number) => {
  const range = `must be a whole number from ${min} to ${max}`;
  return z._default(z.coerce.number({ error: range }).check(z.int(range), z.minimum(min, range), z.maximum(max, range)), fallback);
};
const seconds = wholeNumber;

/** Service rules every function may apply; each has a default, so none is required. */
export function serviceSettings(env: Env = process.env) {
  return read(
    'the service settings',
    z.object({
      /** `best-fit` (smallest free size that fits) or `first-available`. */
      ALLOCATION_STRATEGY: z._default(z.enum(['best-fit', 'first-available'], { error: 'must be best-fit or first-available' }), 'best-fit'),
      DEFAULT_PICKUP_WINDOW_HOURS: wholeNumber(1, 24 * 30, 72),
      /** How long a locker may take to open a door before the command fails. */
      DOOR_COMMAND_TIMEOUT_SECONDS: seconds(5, 600, 30),
      /**
       * How long a door may stand open before its slot goes out of service. Every function that
       * writes a slot derives its deadline from this, so it is a service setting, not the doors port's.
       */
      DOOR_LEFT_OPEN_SECONDS: seconds(10, 3600, 120),
      /**
       * A location's kiosk attempts per five-minute window. Lower is allowed (a location holding
       * more than 69 parcels needs it, and tests spend a small budget quickly); higher is not, since
       * the guessing arithmetic in docs/decisions.md holds only up to the policy's figure.
       */
      KIOSK_ATTEMPTS_PER_WINDOW: wholeNumber(1, kioskAttemptPolicy.attemptsPerWindow, kioskAttemptPolicy.attemptsPerWindow),
      /**
       * SMS and emails one phone number or email address may receive per hour, whoever asks. Not
       * the operators' alerts or the `parcel-events` topic: those are not paid per destination.
       */
      MESSAGES_PER_DESTINATION_HOUR: wholeNumber(1, 1000, defaultMessagesPerDestinationHour),
    }),
    env,
  );
}

const milliseconds = wholeNumber;

/**
 * How long the SDK clients (DynamoDB, IoT data plane, Secrets Manager) wait, and how often they
 * try. A DynamoDB call answers in milliseconds, so a request still unanswered after seconds is a
 * stall, better retried on a fresh connection than waited on; the invocation's deadline bounds
 * the sum (shared/deadline.ts). Tests shorten these to run a stall in a second.
 */
export function sdkSettings(env: Env = process.env) {
  return read(
    'the SDK clients',
    z.object({
      SDK_CONNECTION_TIMEOUT_MS: milliseconds(10, 10_000, 1_000),
      SDK_REQUEST_TIMEOUT_MS: milliseconds(10, 30_000, 2_000),
      SDK_MAX_ATTEMPTS: wholeNumber(1, 10, 3),
    }),
    env,
  );
}

export type SdkSettings = ReturnType<typeof sdkSettings>;

/**
 * Browsers calling the API need `Access-Control-Allow-Origin` on every response, which a Lambda
 * proxy integration must set itself. The allowed origins come from the deployment (unset: none).
 */
export function httpSettings(env: Env = process.env) {
  const { CORS_ALLOWED_ORIGINS } = read('the HTTP layer', z.object({ CORS_ALLOWED_ORIGINS: z._default(z.string(), '') }), env);
  return {
    allowedOrigins: CORS_ALLOWED_ORIGINS.split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  };
}

/** The name logs, traces and metrics are filed under (Powertools reads the same variables). */
export function observabilitySettings(env: Env = process.env) {
  return read(
    'observability',
    z.object({
      POWERTOOLS_SERVICE_NAME: z._default(present, 'locker-service'),
      POWERTOOLS_METRICS_NAMESPACE: z._default(present, 'LockerService'),
    }),
    env,
  );
}


/**
 * The doors port: where the lockers' shadows are (the account's `iot:Data-ATS` endpoint in AWS,
 * the local stand-in otherwise).
 */
export function doorsConfig(env: Env = process.env) {
  return read(
    'the doors',
    z.object({
      IOT_DATA_ENDPOINT: z.url({ protocol: /^https?$/ }),
    }),
    env,
  );
}

const arn = z.string().check(z.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic ARN'));

/**
 * The notifier port: the two SNS topics the stack creates and the SES sender identity, a stage
 * setting (a verified domain or address in SES). SMS needs no setting: it is SNS `Publish` to a phone.
 */
export function notifierConfig(env: Env = process.env) {
  return read(
    'the notifier',
    z.object({
      PARCEL_EVENTS_TOPIC_ARN: arn,
      OPERATOR_ALERTS_TOPIC_ARN: arn,
      /** `From` of every email, e.g. `Parcel lockers <no-reply@lockers.example.com>`. */
      EMAIL_SENDER: present,
    }),
    env,
  );
}
