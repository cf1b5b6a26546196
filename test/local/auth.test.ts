import { SignJWT, decodeJwt, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { issueToken, localClientId, localIssuer, toAuthorizerClaims, tokenRequestSchema, verifyToken } from '#infra/local/auth';
import type { IdTokenClaims } from '#infra/local/auth';

const hours = (count: number) => count * 60 * 60 * 1000;

describe('issueToken', () => {
  it('issues an ID token with the claims Cognito puts in one', async () => {
    // Prepare
    const request = { sub: 'kiosk-7', role: 'kiosk', email: 'k7@example.com', phone: '+4915112345678', locationId: 'loc-1' } as const;

    // Act
    const claims = decodeJwt(await issueToken(request));

    // Assess
    expect(claims).toEqual({
      sub: 'kiosk-7',
      'cognito:groups': ['kiosk'],
      'cognito:username': 'kiosk-7',
      email: 'k7@example.com',
      email_verified: true,
      phone_number: '+4915112345678',
      phone_number_verified: true,
      'custom:locationId': 'loc-1',
      iss: localIssuer,
      aud: localClientId,
      token_use: 'id',
      auth_time: expect.any(Number),
      iat: expect.any(Number),
      exp: expect.any(Number),
      event_id: expect.any(String),
      jti: expect.any(String),
    });
  });

  it('leaves out the optional claims that were not asked for', async () => {
    // Act
    const claims = decodeJwt(await issueToken({ sub: 'user-1', role: 'customer' }));

    // Assess
    expect(Object.keys(claims).filter((name) => ['email', 'phone_number', 'custom:locationId'].includes(name))).toEqual([]);
  });

  it('makes the token valid for 12 hours', async () => {
    // Act
    const { iat, exp } = decodeJwt(await issueToken({ sub: 'user-1', role: 'customer' }));

    // Assess
    expect((exp ?? 0) - (iat ?? 0)).toBe(12 * 60 * 60);
  });
});

describe('verifyToken', () => {
  it('accepts a token it issued and returns its claims', async () => {
    // Prepare
    const token = await issueToken({ sub: 'carrier-1', role: 'carrier' });

    // Act
    const result = await verifyToken(token);

    // Assess
    expect(result).toEqual({ ok: true, claims: expect.objectContaining({ sub: 'carrier-1', 'cognito:groups': ['carrier'], token_use: 'id' }) });
  });

  it('refuses a token past its expiry', async () => {
    // Prepare
    const token = await issueToken({ sub: 'user-1', role: 'customer' }, { now: new Date(Date.now() - hours(13)) });

    // Act
    const result = await verifyToken(token);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'EXPIRED', message: 'The token has expired' });
  });

  it('refuses a token issued beyond a minute in the future, and accepts one within that skew', async () => {
    // Prepare
    const tomorrow = await issueToken({ sub: 'user-1', role: 'admin' }, { now: new Date(Date.now() + hours(24)) });
    const skewed = await issueToken({ sub: 'user-1', role: 'admin' }, { now: new Date(Date.now() + 30_000) });

    // Act
    const results = [await verifyToken(tomorrow), await verifyToken(skewed)];

    // Assess
    expect(results).toEqual([
      { ok: false, reason: 'WRONG_CLAIMS', message: "The token's iat claim is not accepted" },
      { ok: true, claims: expect.objectContaining({ sub: 'user-1' }) },
    ]);
  });

  it('refuses a token whose payload was altered', async () => {
    // Prepare
    const [header, , signature] = (await issueToken({ sub: 'user-1', role: 'customer' })).split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'user-1', 'cognito:groups': ['admin'] })).toString('base64url');

    // Act
    const result = await verifyToken(`${header}.${forgedPayload}.${signature}`);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'BAD_SIGNATURE', message: 'The token signature is invalid' });
  });

  it('refuses a token signed by another key', async () => {
    // Prepare
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ 'cognito:groups': ['admin'], token_use: 'id' })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('intruder')
      .setIssuer(localIssuer)
      .setAudience(localClientId)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);

    // Act
    const result = await verifyToken(token);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'BAD_SIGNATURE', message: 'The token signature is invalid' });
  });

  it('refuses a string that is not a JWT', async () => {
    // Act
    const result = await verifyToken('not-a-token');

    // Assess
    expect(result).toEqual({ ok: false, reason: 'MALFORMED', message: 'The token is not a valid JWT' });
  });
});

describe('tokenRequestSchema', () => {
  it('refuses a role that is not one of the four', () => {
    // Act
    const result = tokenRequestSchema.safeParse({ sub: 'user-1', role: 'root' });

    // Assess
    expect(result.success).toBe(false);
  });
});

describe('toAuthorizerClaims', () => {
  const claims = (overrides: Partial<IdTokenClaims> = {}): IdTokenClaims => ({
    sub: 'user-1',
    'cognito:groups': ['customer'],
    'cognito:username': 'user-1',
    iss: localIssuer,
    aud: localClientId,
    token_use: 'id',
    auth_time: 1680629979,
    iat: 1680629979,
    exp: 1680633579,
    ...overrides,
  });

  it('renders every claim as a string, as API Gateway does', () => {
    // Act
    const rendered = toAuthorizerClaims(claims({ email: 'a@example.com', email_verified: true, 'custom:locationId': 'loc-1' }));

    // Assess
    expect(rendered).toEqual({
      sub: 'user-1',
      'cognito:groups': 'customer',
      'cognito:username': 'user-1',
      email: 'a@example.com',
      email_verified: 'true',
      'custom:locationId': 'loc-1',
      iss: localIssuer,
      aud: localClientId,
      token_use: 'id',
      auth_time: '1680629979',
      iat: 'Tue Apr 04 17:39:39 UTC 2023',
      exp: 'Tue Apr 04 18:39:39 UTC 2023',
    });
  });

  it('joins several groups with commas and no spaces', () => {
    // Act
    const rendered = toAuthorizerClaims(claims({ 'cognito:groups': ['admin', 'carrier'] }));

    // Assess
    expect(rendered['cognito:groups']).toBe('admin,carrier');
  });
});
