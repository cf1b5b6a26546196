import * as z from 'zod/mini';

/**
 * The environment, validated once at cold start. A missing or malformed variable fails the
 * first invocation loudly with its name, instead of surfacing later as `undefined`.
 */
const schema = z
  .object({
    TABLE_NAME: z.string().check(z.minLength(1)),
    /** `best-fit` (smallest free size that fits) or `first-available`. */
    ALLOCATION_STRATEGY: z._default(z.enum(['best-fit', 'first-available']), 'best-fit'),
    DEFAULT_PICKUP_WINDOW_HOURS: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(24 * 30)), 72),
    /**
     * In AWS: a Secrets Manager secret whose plain string value (32+ characters) is the pickup-code
     * secret. The HMAC key and the encryption key are both derived from it (HKDF, distinct labels).
     */
    PICKUP_CODE_SECRET_ARN: z.optional(z.string().check(z.minLength(1))),
    /** Locally and in tests: the same secret given directly. */
    PICKUP_CODE_SECRET: z.optional(z.string().check(z.minLength(32, 'must be at least 32 characters'))),
  })
  .check(
    z.refine((env) => env.PICKUP_CODE_SECRET_ARN !== undefined || env.PICKUP_CODE_SECRET !== undefined, {
      message: 'set PICKUP_CODE_SECRET_ARN (deployed) or PICKUP_CODE_SECRET (local)',
    }),
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
