import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { apiGatewayEvent, claimsOf, jsonBody, lambdaContext, type ApiEventOptions } from '#test/helpers/events';

// The composition root reads its config on the first call that gets past validation. None of
// these tests should get that far; the values are here so a regression fails on the assertions,
// not on config.
vi.hoisted(() => {
  process.env.TABLE_NAME = 'unit-test-table';
  process.env.PICKUP_CODE_SECRET = 'unit-test-secret-0123456789abcdefghij';
});

const { handler: createLocation } = await import('#functions/http/create-location');
const { handler: getLocation } = await import('#functions/http/get-location');

const dynamo = mockClient(DynamoDBDocumentClient);

beforeEach(() => {
  dynamo.reset();
});

const getLocationEvent = (options: ApiEventOptions = {}) =>
  apiGatewayEvent({ method: 'GET', resource: '/locations/{locationId}', path: '/locations/loc-1', pathParameters: { locationId: 'loc-1' }, ...options });

const createLocationEvent = (options: ApiEventOptions = {}) =>
  apiGatewayEvent({ method: 'POST', resource: '/locations', path: '/locations', headers: { 'Content-Type': 'application/json' }, ...options });

/** Status and parsed body, the parts a client acts on. */
async function invoke(handler: typeof getLocation, event: ReturnType<typeof apiGatewayEvent>) {
  const response = await handler(event, lambdaContext());
  return { statusCode: response.statusCode, body: JSON.parse(response.body) as unknown };
}

describe('the HTTP handler stack', () => {
  it('answers 401 UNAUTHORIZED to a request without claims', async () => {
    // Act
    const response = await invoke(getLocation, getLocationEvent());

    // Assess
    expect(response).toEqual({ statusCode: 401, body: { error: { code: 'UNAUTHORIZED', message: 'Missing or invalid credentials' } } });
  });

  it('answers 403 FORBIDDEN to a role the route does not allow', async () => {
    // Act
    const response = await invoke(createLocation, createLocationEvent({ claims: claimsOf.customer, body: jsonBody({ name: 'A', address: 'B' }) }));

    // Assess
    expect(response).toEqual({ statusCode: 403, body: { error: { code: 'FORBIDDEN', message: 'Your role may not do this' } } });
  });

  it('answers 403 to a token whose groups hold no known role', async () => {
    // Act
    const response = await invoke(getLocation, getLocationEvent({ claims: { sub: 'u-1', 'cognito:groups': 'superuser' } }));

    // Assess
    expect(response).toEqual({ statusCode: 403, body: { error: { code: 'FORBIDDEN', message: 'Your role may not do this' } } });
  });

  it('checks the role before it reads the body', async () => {
    // Act
    const response = await invoke(createLocation, createLocationEvent({ claims: claimsOf.carrier, body: '{"name":' }));

    // Assess
    expect(response.statusCode).toBe(403);
  });

  it('answers 400 VALIDATION_ERROR to malformed JSON', async () => {
    // Act
    const response = await invoke(createLocation, createLocationEvent({ claims: claimsOf.admin, body: '{"name": "Station Square",' }));

    // Assess
    expect(response).toEqual({ statusCode: 400, body: { error: { code: 'VALIDATION_ERROR', message: 'The request body is not valid JSON' } } });
  });

  it('answers 400 VALIDATION_ERROR to a missing body', async () => {
    // Act
    const response = await invoke(createLocation, createLocationEvent({ claims: claimsOf.admin }));

    // Assess
    expect(response).toEqual({ statusCode: 400, body: { error: { code: 'VALIDATION_ERROR', message: 'A JSON request body is required' } } });
  });

  it('answers 400 VALIDATION_ERROR to a body over 16 KB', async () => {
    // Act
    const response = await invoke(
      createLocation,
      createLocationEvent({ claims: claimsOf.admin, body: jsonBody({ name: 'Station Square', address: 'x'.repeat(17_000) }) }),
    );

    // Assess
    expect(response).toEqual({ statusCode: 400, body: { error: { code: 'VALIDATION_ERROR', message: 'The request body exceeds 16 KB' } } });
  });

  it('answers 400 with details naming each wrong or unknown field', async () => {
    // Act
    const response = await invoke(
      createLocation,
      createLocationEvent({ claims: claimsOf.admin, body: jsonBody({ name: 'Station Square', pickupWindowHours: 'soon', colour: 'red' }) }),
    );

    // Assess
    expect(response).toEqual({
      statusCode: 400,
      body: {
        error: {
          code: 'VALIDATION_ERROR',
          message: 'The request body is not valid',
          details: expect.arrayContaining([
            { path: 'body.address', message: expect.any(String) },
            { path: 'body.pickupWindowHours', message: expect.any(String) },
            { path: 'body', message: expect.stringContaining('colour') },
          ]),
        },
      },
    });
  });

  it('answers 400 to a malformed path parameter', async () => {
    // Act
    const response = await invoke(
      getLocation,
      getLocationEvent({ claims: claimsOf.customer, path: '/locations/bad%20id', pathParameters: { locationId: 'bad id!' } }),
    );

    // Assess
    expect(response).toEqual({
      statusCode: 400,
      body: {
        error: {
          code: 'VALIDATION_ERROR',
          message: 'The request path is not valid',
          details: [{ path: 'path.locationId', message: 'must be 1-64 letters, digits, "-" or "_"' }],
        },
      },
    });
  });

  it('answers 400 to a query parameter the route does not take', async () => {
    // Act
    const response = await invoke(getLocation, getLocationEvent({ claims: claimsOf.customer, queryStringParameters: { debug: 'true' } }));

    // Assess
    expect(response.statusCode).toBe(400);
  });

  it('sends no DynamoDB request for a refused request', async () => {
    // Act
    await invoke(getLocation, getLocationEvent());
    await invoke(createLocation, createLocationEvent({ claims: claimsOf.customer, body: jsonBody({ name: 'A', address: 'B' }) }));
    await invoke(createLocation, createLocationEvent({ claims: claimsOf.admin, body: 'nope' }));

    // Assess
    expect(dynamo.calls()).toEqual([]);
  });

  it('sends an error as JSON that no cache may keep, with the security headers', async () => {
    // Act
    const response = await getLocation(getLocationEvent(), lambdaContext());

    // Assess
    expect(response.headers).toMatchObject({
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      'Strict-Transport-Security': expect.stringContaining('max-age='),
      'X-Content-Type-Options': 'nosniff',
    });
  });
});
