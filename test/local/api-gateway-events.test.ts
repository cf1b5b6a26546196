import { describe, expect, it } from 'vitest';
import { apiFromManifest, buildProxyEvent, matchRoute as matchIn } from '#infra/local/api-gateway';
import type { GatewayRequest, RouteMatch } from '#infra/local/api-gateway';

const parcelRoute = (): RouteMatch => {
  const match = matchRoute('GET', '/parcels/p-1');
  if (match === undefined) throw new Error('GET /parcels/{parcelId} is not in the route table');
  return match;
};

const request = (overrides: Partial<GatewayRequest> = {}): GatewayRequest => ({
  method: 'GET',
  rawPath: '/parcels/p-1',
  rawQuery: '',
  rawHeaders: ['Host', '127.0.0.1:3000', 'User-Agent', 'curl/8.5.0'],
  body: null,
  sourceIp: '127.0.0.1',
  requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  requestTimeEpoch: Date.UTC(2026, 3, 9, 12, 34, 56),
  ...overrides,
});

const matchRoute = (method: string, path: string) => matchIn(apiFromManifest().routes, method, path);

describe('matchRoute', () => {
  it('matches a templated path and names its parameters', () => {
    // Act
    const match = matchRoute('PATCH', '/locations/loc-1/lockers/lk-2/slots/03');

    // Assess
    expect({ name: match?.route.functionName, pathParameters: match?.pathParameters }).toEqual({
      name: 'update-slot',
      pathParameters: { locationId: 'loc-1', lockerId: 'lk-2', slotId: '03' },
    });
  });

  it('decodes each path parameter on its own, so an encoded slash stays inside the parameter', () => {
    // Act
    const match = matchRoute('GET', '/parcels/a%2Fb%20c');

    // Assess
    expect(match?.pathParameters).toEqual({ parcelId: 'a/b c' });
  });

  it('gives null path parameters for a route without placeholders', () => {
    // Act
    const match = matchRoute('GET', '/health');

    // Assess
    expect(match).toEqual({ route: expect.objectContaining({ functionName: 'health' }), pathParameters: null });
  });

  it('does not match a known path with another method', () => {
    // Act
    const match = matchRoute('DELETE', '/parcels/p-1');

    // Assess
    expect(match).toBeUndefined();
  });

  it('does not match an unknown path', () => {
    // Act
    const match = matchRoute('GET', '/parcels/p-1/history');

    // Assess
    expect(match).toBeUndefined();
  });

  it('does not match a parameter that is not valid percent-encoding', () => {
    // Act
    const match = matchRoute('GET', '/parcels/%E0%A4%A');

    // Assess
    expect(match).toBeUndefined();
  });
});

describe('buildProxyEvent', () => {
  it('builds the whole REST v1 proxy event for an authenticated request', () => {
    // Prepare
    const claims = { sub: 'user-1', 'cognito:groups': 'customer' };

    // Act
    const event = buildProxyEvent({ match: parcelRoute(), request: request(), claims, stage: 'local' });

    // Assess
    expect(event).toEqual({
      resource: '/parcels/{parcelId}',
      path: '/parcels/p-1',
      httpMethod: 'GET',
      headers: { Host: '127.0.0.1:3000', 'User-Agent': 'curl/8.5.0' },
      multiValueHeaders: { Host: ['127.0.0.1:3000'], 'User-Agent': ['curl/8.5.0'] },
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: { parcelId: 'p-1' },
      stageVariables: null,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        authorizer: { claims },
        domainName: '127.0.0.1:3000',
        domainPrefix: '127',
        extendedRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
        httpMethod: 'GET',
        identity: {
          accessKey: null,
          accountId: null,
          apiKey: null,
          apiKeyId: null,
          caller: null,
          clientCert: null,
          cognitoAuthenticationProvider: null,
          cognitoAuthenticationType: null,
          cognitoIdentityId: null,
          cognitoIdentityPoolId: null,
          principalOrgId: null,
          sourceIp: '127.0.0.1',
          user: null,
          userAgent: 'curl/8.5.0',
          userArn: null,
        },
        path: '/local/parcels/p-1',
        protocol: 'HTTP/1.1',
        requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
        requestTime: '09/Apr/2026:12:34:56 +0000',
        requestTimeEpoch: Date.UTC(2026, 3, 9, 12, 34, 56),
        resourceId: 'local',
        resourcePath: '/parcels/{parcelId}',
        stage: 'local',
      },
      body: null,
      isBase64Encoded: false,
    });
  });

  it('leaves the authorizer out on a route without one', () => {
    // Act
    const event = buildProxyEvent({ match: parcelRoute(), request: request(), claims: null, stage: 'local' });

    // Assess
    expect(event.requestContext.authorizer).toBeUndefined();
  });

  it('keeps the last value of a repeated header in headers and every value in multiValueHeaders', () => {
    // Prepare
    const rawHeaders = ['Accept', 'text/plain', 'X-Trace', 'a', 'X-Trace', 'b'];

    // Act
    const event = buildProxyEvent({ match: parcelRoute(), request: request({ rawHeaders }), claims: null, stage: 'local' });

    // Assess
    expect({ headers: event.headers, multiValueHeaders: event.multiValueHeaders }).toEqual({
      headers: { Accept: 'text/plain', 'X-Trace': 'b' },
      multiValueHeaders: { Accept: ['text/plain'], 'X-Trace': ['a', 'b'] },
    });
  });

  it('decodes the query string, keeping the last value of a repeated name in queryStringParameters', () => {
    // Prepare
    const rawQuery = 'locationId=loc%201&limit=5&limit=10&flag';

    // Act
    const event = buildProxyEvent({ match: parcelRoute(), request: request({ rawQuery }), claims: null, stage: 'local' });

    // Assess
    expect({ single: event.queryStringParameters, multi: event.multiValueQueryStringParameters }).toEqual({
      single: { locationId: 'loc 1', limit: '10', flag: '' },
      multi: { locationId: ['loc 1'], limit: ['5', '10'], flag: [''] },
    });
  });

  it('passes the body through as the string received', () => {
    // Prepare
    const body = '{"pickupCode":"123456"}';

    // Act
    const event = buildProxyEvent({ match: parcelRoute(), request: request({ method: 'POST', body }), claims: null, stage: 'local' });

    // Assess
    expect({ body: event.body, isBase64Encoded: event.isBase64Encoded }).toEqual({ body, isBase64Encoded: false });
  });

  it('gives URL-decoded path parameters while path stays as received', () => {
    // Prepare
    const rawPath = '/parcels/p%201';
    const match = matchRoute('GET', rawPath) as RouteMatch;

    // Act
    const event = buildProxyEvent({ match, request: request({ rawPath }), claims: null, stage: 'local' });

    // Assess
    expect({ path: event.path, pathParameters: event.pathParameters }).toEqual({ path: '/parcels/p%201', pathParameters: { parcelId: 'p 1' } });
  });
});
