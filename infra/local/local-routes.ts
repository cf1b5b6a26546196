import { z } from 'zod';
import { issueToken, tokenRequestSchema } from './auth.ts';

/**
 * The `/_local/…` routes: what a developer needs from the local stack that AWS has elsewhere (a
 * token from the user pool, time passing, the schedule firing). They exist only locally.
 */
export type LocalRoutes = (method: string, path: string, body: string | null) => Promise<unknown>;

export class LocalRouteError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: readonly { path: string; message: string }[],
  ) {
    super(message);
  }
}

export interface LocalControls {
  /** Moves the service clock forward, for every function, and returns the new time. */
  advanceClock(milliseconds: number): Date;
  /** Runs every scheduled function once and merges what they returned. */
  runSchedules(): Promise<unknown>;
}

const clockRequestSchema = z.strictObject({
  // Forward only: nothing moves a deployed service's clock backwards either.
  advanceHours: z.number().positive().max(24 * 366),
});

export function localRoutes(controls: LocalControls): LocalRoutes {
  return async (method, path, body) => {
    const route = `${method} ${path}`;
    if (route === 'POST /_local/token') return { token: await issueToken(parseBody(body, tokenRequestSchema)) };
    if (route === 'POST /_local/clock') {
      const { advanceHours } = parseBody(body, clockRequestSchema);
      return { now: controls.advanceClock(advanceHours * 3_600_000).toISOString() };
    }
    if (route === 'POST /_local/sweep') return controls.runSchedules();
    throw new LocalRouteError(404, 'NOT_FOUND', `No route for ${route}`);
  };
}

function parseBody<T extends z.ZodType>(body: string | null, schema: T): z.infer<T> {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    throw new LocalRouteError(400, 'VALIDATION_ERROR', 'Request body is not valid JSON', [{ path: '', message: 'invalid JSON' }]);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    throw new LocalRouteError(400, 'VALIDATION_ERROR', 'Request body is invalid', details);
  }
  return parsed.data;
}
