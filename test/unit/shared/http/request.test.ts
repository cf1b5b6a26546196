import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ForbiddenError, ValidationError } from '#shared/domain/errors';
import { UnauthorizedError } from '#shared/http/errors';
import { actorFrom, authorize, maxBodyBytes, parseGroups, parseJsonBody, validate } from '#shared/http/request';
import { apiGatewayEvent, claimsOf } from '#test/helpers/events';

/** What `act` threw, so the whole error (class, code, message, details) can be compared. */
function thrownBy(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  return new Error('nothing was thrown');
}

describe('parseGroups', () => {
  it.each([
    { claim: 'admin', roles: ['admin'] },
    { claim: '[admin carrier]', roles: ['admin', 'carrier'] },
    { claim: 'admin,carrier', roles: ['admin', 'carrier'] },
    { claim: '[admin, carrier]', roles: ['admin', 'carrier'] },
    { claim: ['customer', 'kiosk'], roles: ['customer', 'kiosk'] },
    { claim: '[kiosk]', roles: ['kiosk'] },
  ])('reads $claim as $roles', ({ claim, roles }) => {
    // Act
    const parsed = parseGroups(claim);

    // Assess
    expect(parsed).toEqual(roles);
  });

  it('ignores groups that are not roles', () => {
    // Act
    const parsed = parseGroups('[superuser carrier admins]');

    // Assess
    expect(parsed).toEqual(['carrier']);
  });

  it('does not take a group that only contains a role name', () => {
    // Act
    const parsed = parseGroups(['not-admin', 'administrator']);

    // Assess
    expect(parsed).toEqual([]);
  });

  it.each([undefined, null, '', '[]', 42, { admin: true }])('reads %j as no roles', (claim) => {
    // Act
    const parsed = parseGroups(claim);

    // Assess
    expect(parsed).toEqual([]);
  });
});

describe('actorFrom', () => {
  it('builds the actor from the verified claims', () => {
    // Prepare
    const event = apiGatewayEvent({ claims: claimsOf.customer });

    // Act
    const actor = actorFrom(event);

    // Assess
    expect(actor).toEqual({ sub: 'customer-1', roles: ['customer'], email: 'customer@example.com', phone: '+4915112345678' });
  });

  it('takes a kiosk\'s location from its custom claim', () => {
    // Prepare
    const event = apiGatewayEvent({ claims: claimsOf.kiosk });

    // Act
    const actor = actorFrom(event);

    // Assess
    expect(actor).toEqual({ sub: 'kiosk-1', roles: ['kiosk'], locationId: 'loc-1' });
  });

  it('leaves out an email or phone number the token marks unverified, as API Gateway renders the flag', () => {
    // Prepare
    const event = apiGatewayEvent({
      claims: { ...claimsOf.customer, email_verified: 'false', phone_number_verified: 'true' },
    });

    // Act
    const actor = actorFrom(event);

    // Assess
    expect(actor).toEqual({ sub: 'customer-1', roles: ['customer'], phone: '+4915112345678' });
  });

  it('leaves out empty optional claims', () => {
    // Prepare
    const event = apiGatewayEvent({ claims: { sub: 'u-1', 'cognito:groups': 'carrier', email: '', phone_number: '', 'custom:locationId': '' } });

    // Act
    const actor = actorFrom(event);

    // Assess
    expect(actor).toEqual({ sub: 'u-1', roles: ['carrier'] });
  });

  it('refuses a request without claims with a 401 UnauthorizedError', () => {
    // Prepare
    const event = apiGatewayEvent();

    // Act
    const reading = () => actorFrom(event);

    // Assess
    expect(thrownBy(reading)).toEqual(new UnauthorizedError('Missing or invalid credentials'));
  });

  it('refuses claims without a subject', () => {
    // Prepare
    const event = apiGatewayEvent({ claims: { 'cognito:groups': 'admin' } });

    // Act
    const reading = () => actorFrom(event);

    // Assess
    expect(reading).toThrow(UnauthorizedError);
  });

  it('refuses an empty subject', () => {
    // Prepare
    const event = apiGatewayEvent({ claims: { sub: '', 'cognito:groups': 'admin' } });

    // Act
    const reading = () => actorFrom(event);

    // Assess
    expect(reading).toThrow(UnauthorizedError);
  });
});

describe('authorize', () => {
  it('lets through an actor holding one of the allowed roles', () => {
    // Act
    const checking = () => authorize({ sub: 'u-1', roles: ['customer', 'carrier'] }, ['carrier', 'admin']);

    // Assess
    expect(checking).not.toThrow();
  });

  it('refuses an actor with none of the allowed roles with FORBIDDEN', () => {
    // Act
    const checking = () => authorize({ sub: 'u-1', roles: ['customer'] }, ['admin']);

    // Assess
    expect(thrownBy(checking)).toEqual(new ForbiddenError('FORBIDDEN', 'Your role may not do this'));
  });

  it('refuses an actor with no roles at all', () => {
    // Act
    const checking = () => authorize({ sub: 'u-1', roles: [] }, ['admin', 'carrier', 'customer', 'kiosk']);

    // Assess
    expect(checking).toThrow(ForbiddenError);
  });
});

describe('parseJsonBody', () => {
  it('parses a JSON body', () => {
    // Prepare
    const event = apiGatewayEvent({ method: 'POST', body: '{"name":"Station Square","slots":{"S":2}}' });

    // Act
    const body = parseJsonBody(event);

    // Assess
    expect(body).toEqual({ name: 'Station Square', slots: { S: 2 } });
  });

  it('decodes a base64-encoded body first', () => {
    // Prepare
    const event = apiGatewayEvent({ method: 'POST', body: Buffer.from('{"pickupCode":"0429170000"}').toString('base64'), isBase64Encoded: true });

    // Act
    const body = parseJsonBody(event);

    // Assess
    expect(body).toEqual({ pickupCode: '0429170000' });
  });

  it.each([null, ''])('refuses a missing body (%j) with a ValidationError', (body) => {
    // Prepare
    const event = apiGatewayEvent({ method: 'POST', body });

    // Act
    const parsing = () => parseJsonBody(event);

    // Assess
    expect(thrownBy(parsing)).toEqual(new ValidationError('A JSON request body is required'));
  });

  it.each(['{"name":', 'not json', '{name: "x"}', "{'a':1}"])('refuses malformed JSON %j with a ValidationError', (body) => {
    // Prepare
    const event = apiGatewayEvent({ method: 'POST', body });

    // Act
    const parsing = () => parseJsonBody(event);

    // Assess
    expect(thrownBy(parsing)).toEqual(new ValidationError('The request body is not valid JSON'));
  });

  it('accepts a body of exactly 16 KB', () => {
    // Prepare
    const body = JSON.stringify({ pad: 'x'.repeat(maxBodyBytes - '{"pad":""}'.length) });
    const event = apiGatewayEvent({ method: 'POST', body });

    // Act
    const parsed = parseJsonBody(event);

    // Assess
    expect({ bytes: Buffer.byteLength(body), parsed }).toEqual({ bytes: 16_384, parsed: { pad: expect.any(String) } });
  });

  it('refuses a body one byte over 16 KB with a ValidationError', () => {
    // Prepare
    const body = JSON.stringify({ pad: 'x'.repeat(maxBodyBytes - '{"pad":""}'.length + 1) });
    const event = apiGatewayEvent({ method: 'POST', body });

    // Act
    const parsing = () => parseJsonBody(event);

    // Assess
    expect(thrownBy(parsing)).toEqual(new ValidationError('The request body exceeds 16 KB'));
  });

  it('counts bytes, not characters, against the 16 KB limit', () => {
    // Prepare: 6,000 three-byte characters are 18,000 bytes.
    const event = apiGatewayEvent({ method: 'POST', body: JSON.stringify({ name: '€'.repeat(6_000) }) });

    // Act
    const parsing = () => parseJsonBody(event);

    // Assess
    expect(thrownBy(parsing)).toEqual(new ValidationError('The request body exceeds 16 KB'));
  });

  it('measures a base64 body after decoding it', () => {
    // Prepare: 16 KB of JSON is about 21.8 KB once base64-encoded.
    const json = JSON.stringify({ pad: 'x'.repeat(maxBodyBytes - '{"pad":""}'.length) });
    const event = apiGatewayEvent({ method: 'POST', body: Buffer.from(json).toString('base64'), isBase64Encoded: true });

    // Act
    const parsed = parseJsonBody(event);

    // Assess
    expect(parsed).toEqual({ pad: expect.any(String) });
  });
});

describe('validate', () => {
  const schema = z.strictObject({ size: z.enum(['S', 'M', 'L']), count: z.number().int() });

  it('returns the parsed value when it matches', () => {
    // Act
    const value = validate(schema, { size: 'M', count: 2 }, 'body');

    // Assess
    expect(value).toEqual({ size: 'M', count: 2 });
  });

  it('refuses a mismatch with a ValidationError whose details name each field under its place', () => {
    // Act
    const validating = () => validate(schema, { size: 'XL', count: 'two' }, 'body');

    // Assess
    expect(thrownBy(validating)).toEqual(
      new ValidationError('The request body is not valid', [
        { path: 'body.size', message: expect.any(String) },
        { path: 'body.count', message: expect.any(String) },
      ]),
    );
  });
});
