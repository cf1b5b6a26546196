import { randomUUID } from 'node:crypto';
import { SignJWT, errors, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { z } from 'zod';
import { roles } from '#shared/domain/actor';

/**
 * The local stand-in for a Cognito user pool: it signs ID tokens shaped like Cognito's, and the
 * local gateway verifies them the way API Gateway's Cognito authorizer does. The key pair lives
 * only as long as the process, so a token never outlives the stack that issued it, unless the stack
 * keeps its data (`--persist`) and hands the same keys back on the next start (`useSigningKeys`).
 */
export const localIssuer = 'http://127.0.0.1/local-user-pool';
export const localClientId = 'locker-service-local';
const algorithm = 'RS256';
const tokenLifetimeSeconds = 12 * 60 * 60;

export const tokenRequestSchema = z.strictObject({
  sub: z.string().min(1).max(128),
  role: z.enum(roles),
  email: z.email().optional(),
  phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be E.164, e.g. +4915112345678').optional(),
  locationId: z.string().min(1).max(64).optional(),
});
export type TokenRequest = z.infer<typeof tokenRequestSchema>;

/** The payload of a Cognito ID token, limited to what this service reads plus the registered claims. */
export interface IdTokenClaims extends JWTPayload {
  readonly sub: string;
  readonly 'cognito:groups': string[];
  readonly 'cognito:username': string;
  readonly email?: string;
  readonly phone_number?: string;
  readonly 'custom:locationId'?: string;
  readonly iss: string;
  readonly aud: string;
  readonly token_use: 'id';
  readonly auth_time: number;
  readonly iat: number;
  readonly exp: number;
}

export type TokenFailureReason = 'MALFORMED' | 'BAD_SIGNATURE' | 'EXPIRED' | 'WRONG_CLAIMS';
export type TokenVerification =
  | { readonly ok: true; readonly claims: IdTokenClaims }
  | { readonly ok: false; readonly reason: TokenFailureReason; readonly message: string };

interface SigningKeys {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

let signingKeys: Promise<SigningKeys> | undefined;

function keys(): Promise<SigningKeys> {
  signingKeys ??= generateKeyPair(algorithm, { extractable: true }).then(({ privateKey, publicKey }) => ({ kid: randomUUID(), privateKey, publicKey }));
  return signingKeys;
}

/** The issuer's key pair as JWKs, to be kept (with the private key: only in a file readable by its owner). */
export interface ExportedSigningKeys {
  readonly kid: string;
  readonly privateKey: JWK;
  readonly publicKey: JWK;
}

export async function exportSigningKeys(): Promise<ExportedSigningKeys> {
  const { kid, privateKey, publicKey } = await keys();
  return { kid, privateKey: await exportJWK(privateKey), publicKey: await exportJWK(publicKey) };
}

/** Signs and verifies with a key pair kept from an earlier start, so the tokens it issued stay valid. */
export function useSigningKeys(exported: ExportedSigningKeys): Promise<void> {
  const imported = Promise.all([importJWK(exported.privateKey, algorithm, { extractable: true }), importJWK(exported.publicKey, algorithm, { extractable: true })]).then(
    ([privateKey, publicKey]) => ({ kid: exported.kid, privateKey: privateKey as CryptoKey, publicKey: publicKey as CryptoKey }),
  );
  signingKeys = imported;
  return imported.then(() => undefined);
}

export interface TokenTimeOptions {
  /** Token time is wall-clock time, as in AWS; the service clock moved by `/_local/clock` does not age tokens. */
  readonly now?: Date;
}

export async function issueToken(request: TokenRequest, options: TokenTimeOptions = {}): Promise<string> {
  const { kid, privateKey } = await keys();
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const payload = {
    'cognito:groups': [request.role],
    'cognito:username': request.sub,
    ...(request.email === undefined ? {} : { email: request.email, email_verified: true }),
    ...(request.phone === undefined ? {} : { phone_number: request.phone, phone_number_verified: true }),
    ...(request.locationId === undefined ? {} : { 'custom:locationId': request.locationId }),
    token_use: 'id',
    auth_time: issuedAt,
    event_id: randomUUID(),
  };
  return new SignJWT(payload)
    .setProtectedHeader({ alg: algorithm, kid })
    .setSubject(request.sub)
    .setIssuer(localIssuer)
    .setAudience(localClientId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + tokenLifetimeSeconds)
    .setJti(randomUUID())
    .sign(privateKey);
}

const idTokenShape = z.looseObject({
  sub: z.string().min(1),
  'cognito:groups': z.array(z.string()),
  token_use: z.literal('id'),
});

/** How far ahead of ours a token's issuing clock may be. */
const clockSkewSeconds = 60;

export async function verifyToken(token: string, options: TokenTimeOptions = {}): Promise<TokenVerification> {
  const { publicKey } = await keys();
  try {
    const { payload } = await jwtVerify(token, publicKey, {
      algorithms: [algorithm],
      issuer: localIssuer,
      audience: localClientId,
      requiredClaims: ['sub', 'exp', 'iat'],
      ...(options.now === undefined ? {} : { currentDate: options.now }),
    });
    // jose checks `iat` only against a maximum age, which would also stretch `exp` by any tolerance
    // given: a token issued later than the clocks can disagree was not issued by us as it claims.
    const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
    if (typeof payload.iat !== 'number' || payload.iat > now + clockSkewSeconds) {
      return { ok: false, reason: 'WRONG_CLAIMS', message: "The token's iat claim is not accepted" };
    }
    // Like the Cognito authorizer, accept ID tokens only: they carry the identity claims we read.
    if (!idTokenShape.safeParse(payload).success) {
      return { ok: false, reason: 'WRONG_CLAIMS', message: 'The token is not an ID token of the local user pool' };
    }
    return { ok: true, claims: payload as IdTokenClaims };
  } catch (error) {
    return { ok: false, ...describeFailure(error) };
  }
}

function describeFailure(error: unknown): { reason: TokenFailureReason; message: string } {
  if (error instanceof errors.JWTExpired) return { reason: 'EXPIRED', message: 'The token has expired' };
  if (error instanceof errors.JWSSignatureVerificationFailed) return { reason: 'BAD_SIGNATURE', message: 'The token signature is invalid' };
  if (error instanceof errors.JWTClaimValidationFailed) return { reason: 'WRONG_CLAIMS', message: `The token's ${error.claim} claim is not accepted` };
  return { reason: 'MALFORMED', message: 'The token is not a valid JWT' };
}

/**
 * Renders verified claims as API Gateway's Cognito user-pool authorizer puts them in a REST (v1)
 * proxy event's `requestContext.authorizer.claims`: every value becomes a string.
 * - `cognito:groups`: one group is the bare name (`"kiosk"`); several are joined with commas and no
 *   spaces (`"admin,carrier"`), never a JSON array. Sources: the event quoted in
 *   https://repost.aws/questions/QUFJRBaEJRSmmqarNrvCWoQA (`'cognito:groups': 'team_manager'`),
 *   https://openillumi.com/en/en-api-gateway-cognito-jwt-claim-conversion-zero-trust
 *   (`["group-a","group-b"]` arrives as `"group-a,group-b"`), and
 *   https://github.com/awsdocs/amazon-api-gateway-developer-guide/issues/158 (all values are strings).
 * - `exp` and `iat` become Java-style dates (`"Tue Apr 04 18:39:39 UTC 2023"`), `auth_time` stays
 *   epoch seconds as a string, booleans become `"true"`/`"false"` (same repost.aws event).
 */
export function toAuthorizerClaims(claims: IdTokenClaims): Record<string, string> {
  const rendered: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined || value === null) continue;
    if (name === 'exp' || name === 'iat') rendered[name] = javaDateString(Number(value));
    else if (Array.isArray(value)) rendered[name] = value.map(String).join(',');
    else if (typeof value === 'object') rendered[name] = JSON.stringify(value);
    else rendered[name] = String(value);
  }
  return rendered;
}

const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function javaDateString(epochSeconds: number): string {
  const date = new Date(epochSeconds * 1000);
  const pad = (value: number) => String(value).padStart(2, '0');
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${weekdays[date.getUTCDay()]} ${months[date.getUTCMonth()]} ${pad(date.getUTCDate())} ${time} UTC ${date.getUTCFullYear()}`;
}
