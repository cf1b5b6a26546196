import type { APIGatewayProxyEvent } from 'aws-lambda';
import type * as z from 'zod/mini';
import { roles as knownRoles, type Actor, type Role } from '#shared/domain/actor';
import { ForbiddenError, ValidationError } from '#shared/domain/errors';
import { UnauthorizedError } from './errors.ts';

export const maxBodyBytes = 16 * 1024;

/**
 * The caller, from the claims API Gateway's Cognito authorizer verified (the local gateway fills
 * them the same way). Handlers never see a token, only these claims.
 */
export function actorFrom(event: APIGatewayProxyEvent): Actor {
  const claims = event.requestContext.authorizer?.claims as Record<string, unknown> | undefined;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub.length === 0) throw new UnauthorizedError('Missing or invalid credentials');
  const roles = parseGroups(claims?.['cognito:groups']);
  const text = (name: string) => (typeof claims?.[name] === 'string' && claims[name] !== '' ? (claims[name] as string) : undefined);
  // An address the token itself marks unverified is not the caller's to claim: it would otherwise
  // prefill a profile, and a pickup code must never go to an address nobody proved is theirs.
  const email = disowned(claims?.email_verified) ? undefined : text('email');
  const phone = disowned(claims?.phone_number_verified) ? undefined : text('phone_number');
  const locationId = text('custom:locationId');
  return { sub, roles, ...(email ? { email } : {}), ...(phone ? { phone } : {}), ...(locationId ? { locationId } : {}) };
}

/** API Gateway hands Cognito's boolean claims over as strings, so `false` arrives as `"false"`. */
function disowned(verified: unknown): boolean {
  return verified === false || verified === 'false';
}

/**
 * API Gateway REST renders a list claim as one string: "admin" for one group and "[admin carrier]"
 * or "admin,carrier" for several, depending on the path; an array is accepted too. Unknown groups are ignored.
 */
export function parseGroups(value: unknown): Role[] {
  const names = Array.isArray(value)
    ? value.map(String)
    : typeof value === 'string'
      ? value.replace(/^\[|\]$/g, '').split(/[\s,]+/)
      : [];
  return knownRoles.filter((role) => names.includes(role));
}

export function authorize(actor: Actor, allowed: readonly Role[]): void {
  if (!actor.roles.some((role) => allowed.includes(role))) {
    throw new ForbiddenError('FORBIDDEN', 'Your role may not do this');
  }
}

export function parseJsonBody(event: APIGatewayProxyEvent): unknown {
  if (event.body === null || event.body === undefined || event.body === '') {
    throw new ValidationError('A JSON request body is required');
  }
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.length > maxBodyBytes) throw new ValidationError(`The request body exceeds ${maxBodyBytes / 1024} KB`);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ValidationError('The request body is not valid JSON');
  }
}

export function validate<T>(schema: z.ZodMiniType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    `The request ${where} is not valid`,
    result.error.issues.map((issue) => ({ path: [where, ...issue.path.map(String)].join('.'), message: issue.message })),
  );
}
