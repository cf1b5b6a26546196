import { z } from 'zod';

/**
 * The environment, validated once at cold start. A missing or malformed variable fails the
 * first invocation loudly with its name, instead of surfacing later as `undefined`.
 */
const base64Key = z
  .string()
  .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be 32 bytes, base64-encoded');

const schema = z
  .object({
    TABLE_NAME: z.string().min(1),
    /** `best-fit` (smallest free size that fits) or `first-available`. */
    ALLOCATION_STRATEGY: z.enum(['best-fit', 'first-available']).default('best-fit'),
    DEFAULT_PICKUP_WINDOW_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(72),
    /** In AWS: a Secrets Manager secret holding `{"hmacKey":"…","encryptionKey":"…"}` (both base64, 32 bytes). */
    PICKUP_CODE_KEYS_SECRET_ARN: z.string().min(1).optional(),
    /** Locally and in tests: the two keys given directly. */
    PICKUP_CODE_HMAC_KEY: base64Key.optional(),
    PICKUP_CODE_ENCRYPTION_KEY: base64Key.optional(),
  })
  .refine(
    (env) => env.PICKUP_CODE_KEYS_SECRET_ARN !== undefined || (env.PICKUP_CODE_HMAC_KEY && env.PICKUP_CODE_ENCRYPTION_KEY),
    { message: 'set PICKUP_CODE_KEYS_SECRET_ARN, or both PICKUP_CODE_HMAC_KEY and PICKUP_CODE_ENCRYPTION_KEY' },
  );

export type Config = z.infer<typeof schema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
    throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}
