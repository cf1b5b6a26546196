import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { apiFromManifest, startGateway, type LocalGateway } from '#infra/local/api-gateway';
import { issueToken } from '#infra/local/auth';
import { FunctionError } from '#infra/local/lambda/runtime';
import { localRoutes } from '#infra/local/local-routes';

// The local API Gateway over real sockets: what the functions receive and the client gets back, and
// what only a raw HTTP client can send (header and query names that are also names of
// Object.prototype, bodies that are slow or too large).

let gateway: LocalGateway | undefined;

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

/** A gateway whose every function records its event and answers 200. */
async function recordingGateway() {
  const events: APIGatewayProxyEvent[] = [];
  gateway = await startGateway({
    port: 0,
    api: apiFromManifest(),
    lambda: {
      invoke: async (_functionName, event) => {
        events.push(event as APIGatewayProxyEvent);
        return { statusCode: 200, body: '{"status":"ok"}' };
      },
    },
  });
  return { url: new URL(gateway.url), events };
}

interface RawReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/**
 * Sends a request with raw header pairs (in order, duplicates kept) and, when given, the first part
 * of a body; the rest is never sent, so a reply proves the gateway answered without waiting for it.
 */
function send(url: URL, method: string, path: string, rawHeaders: readonly [string, string][], body?: { readonly partial: Buffer }): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: url.hostname, port: url.port, method, path, headers: [['Host', url.host], ...rawHeaders].flat() });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text === '' ? null : (JSON.parse(text) as unknown) });
        request.destroy();
      });
    });
    // The gateway may close the connection on a body it refuses while we still hold it open.
    request.on('error', (error) => (request.destroyed ? undefined : reject(error)));
    if (body === undefined) request.end();
    else request.write(body.partial);
  });
}

const objectNames = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

describe('local API Gateway', () => {
  it.each(objectNames)('passes a header named %s to the function like any other, on /health and on an authenticated route', async (name) => {
    // Prepare
    const { url, events } = await recordingGateway();
    const token = await issueToken({ sub: 'admin-1', role: 'admin' });

    // Act
    const replies = await Promise.all([
      send(url, 'GET', '/health', [[name, 'one'], [name, 'two']]),
      send(url, 'GET', '/parcels', [['Authorization', `Bearer ${token}`], [name, 'one']]),
    ]);

    // Assess
    expect(replies.map((reply) => reply.status)).toEqual([200, 200]);
    const health = events.find((event) => event.resource === '/health');
    expect({ single: Object.getOwnPropertyDescriptor(health?.headers, name)?.value, multi: Object.getOwnPropertyDescriptor(health?.multiValueHeaders, name)?.value }).toEqual({
      single: 'two',
      multi: ['one', 'two'],
    });
  });

  it.each(objectNames)('passes a query parameter named %s to the function like any other', async (name) => {
    // Prepare
    const { url, events } = await recordingGateway();

    // Act
    const reply = await send(url, 'GET', `/health?${name}=1&${name}=2&ok=3`, []);

    // Assess
    expect(reply.status).toBe(200);
    const [event] = events;
    expect({
      single: Object.getOwnPropertyDescriptor(event?.queryStringParameters, name)?.value,
      multi: Object.getOwnPropertyDescriptor(event?.multiValueQueryStringParameters, name)?.value,
      ok: event?.queryStringParameters?.ok,
    }).toEqual({ single: '2', multi: ['1', '2'], ok: '3' });
  });

  it('answers 401 to an unauthenticated request before its body arrives, and never calls the function', async () => {
    // Prepare
    const { url, events } = await recordingGateway();
    const declared = 10 * 1024 * 1024;

    // Act
    const reply = await send(url, 'POST', '/parcels', [['Content-Type', 'application/json'], ['Content-Length', String(declared)]], { partial: Buffer.alloc(1024, 0x20) });

    // Assess
    expect({ status: reply.status, body: reply.body, connection: reply.headers.connection, invocations: events.length }).toEqual({
      status: 401,
      body: { error: { code: 'UNAUTHORIZED', message: 'Unauthorized' } },
      connection: 'close',
      invocations: 0,
    });
  });

  it('answers 413 REQUEST_TOO_LARGE to a declared length over the cap before reading the body', async () => {
    // Prepare
    const { url, events } = await recordingGateway();
    const token = await issueToken({ sub: 'carrier-1', role: 'carrier' });

    // Act
    const reply = await send(
      url,
      'POST',
      '/parcels',
      [['Authorization', `Bearer ${token}`], ['Content-Type', 'application/json'], ['Content-Length', String(1024 * 1024)]],
      { partial: Buffer.alloc(1024, 0x20) },
    );

    // Assess
    expect({ status: reply.status, body: reply.body, connection: reply.headers.connection, invocations: events.length }).toEqual({
      status: 413,
      body: { error: { code: 'REQUEST_TOO_LARGE', message: expect.any(String) } },
      connection: 'close',
      invocations: 0,
    });
  });

  it('answers 413 REQUEST_TOO_LARGE to a chunked body once it passes the cap, without waiting for the rest', async () => {
    // Prepare
    const { url, events } = await recordingGateway();
    const token = await issueToken({ sub: 'carrier-1', role: 'carrier' });

    // Act
    const reply = await send(
      url,
      'POST',
      '/parcels',
      [['Authorization', `Bearer ${token}`], ['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']],
      { partial: Buffer.alloc(256 * 1024, 0x20) },
    );

    // Assess
    expect({ status: reply.status, body: reply.body, invocations: events.length }).toEqual({
      status: 413,
      body: { error: { code: 'REQUEST_TOO_LARGE', message: expect.any(String) } },
      invocations: 0,
    });
  });

  it('passes a body under the cap to the function whole', async () => {
    // Prepare
    const { url, events } = await recordingGateway();
    const token = await issueToken({ sub: 'carrier-1', role: 'carrier' });
    const body = JSON.stringify({ note: 'x'.repeat(20 * 1024) });

    // Act
    const reply = await new Promise<number>((resolve, reject) => {
      const request = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: '/parcels', headers: { Authorization: `Bearer ${token}` } });
      request.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end(body);
    });

    // Assess
    expect({ status: reply, body: events[0]?.body }).toEqual({ status: 200, body });
  });
});

/**
 * A gateway over the manifest's API whose every function is `handler`, recording the events it
 * received; a handler that throws fails the invocation as Lambda reports it. The schedules run `handler` too.
 */
async function gatewayWith(handler: (event: APIGatewayProxyEvent) => Promise<unknown>) {
  const events: APIGatewayProxyEvent[] = [];
  const invoke = async (functionName: string, event: unknown) => {
    events.push(event as APIGatewayProxyEvent);
    try {
      return await handler(event as APIGatewayProxyEvent);
    } catch (error) {
      throw new FunctionError(functionName, 'Error', (error as Error).message);
    }
  };
  gateway = await startGateway({
    port: 0,
    api: apiFromManifest(),
    lambda: { invoke },
    localRoutes: localRoutes({ advanceClock: () => new Date(), runSchedules: () => handler({} as APIGatewayProxyEvent), lockers: { get: () => undefined } }),
  });
  return { url: gateway.url, events };
}

const ok = async (): Promise<APIGatewayProxyResult> => ({ statusCode: 200, body: '{}' });

async function read(response: Response) {
  return { status: response.status, body: (await response.json()) as unknown };
}

describe('local gateway over HTTP', () => {
  it('answers 401 without calling the handler when an authenticated route gets no token', async () => {
    // Prepare
    const { url, events } = await gatewayWith(ok);

    // Act
    const reply = await read(await fetch(`${url}/parcels`));

    // Assess
    expect({ ...reply, invocations: events.length }).toEqual({
      status: 401,
      body: { error: { code: 'UNAUTHORIZED', message: 'Unauthorized' } },
      invocations: 0,
    });
  });

  it('passes the verified claims to the handler as API Gateway renders them', async () => {
    // Prepare
    const { url, events } = await gatewayWith(ok);
    const token = await issueToken({ sub: 'kiosk-1', role: 'kiosk', locationId: 'loc-1' });

    // Act
    await fetch(`${url}/locations/loc-1/pickup`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: '{}' });

    // Assess
    expect(events[0]?.requestContext.authorizer?.claims).toEqual(
      expect.objectContaining({ sub: 'kiosk-1', 'cognito:groups': 'kiosk', 'custom:locationId': 'loc-1', token_use: 'id' }),
    );
  });

  it('answers 404 NOT_FOUND for a path no route serves, as the deployed gateway response does', async () => {
    // Prepare
    const { url } = await gatewayWith(ok);

    // Act
    const reply = await read(await fetch(`${url}/nowhere`));

    // Assess
    expect(reply).toEqual({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'No such route' } } });
  });

  it('answers 502 INTERNAL_ERROR when the function fails, as API Gateway does, without its message', async () => {
    // Prepare
    const { url } = await gatewayWith(async () => {
      throw new Error('connection string postgres://secret');
    });

    // Act
    const reply = await read(await fetch(`${url}/health`));

    // Assess
    expect(reply).toEqual({ status: 502, body: { error: { code: 'INTERNAL_ERROR', message: 'Internal error' } } });
  });

  it('answers 502 INTERNAL_ERROR when the function returns something that is not a proxy result', async () => {
    // Prepare
    const { url } = await gatewayWith(async () => ({ body: 'no status code' }));

    // Act
    const reply = await read(await fetch(`${url}/health`));

    // Assess
    expect(reply).toEqual({ status: 502, body: { error: { code: 'INTERNAL_ERROR', message: 'Internal error' } } });
  });

  it('merges headers and multiValueHeaders, the multi-value list winning for a name in both', async () => {
    // Prepare
    const { url } = await gatewayWith(async () => ({
      statusCode: 201,
      headers: { 'X-One': 'single', 'X-Both': 'from-headers' },
      multiValueHeaders: { 'X-Both': ['a', 'b'] },
      body: '{"created":true}',
    }));

    // Act
    const response = await fetch(`${url}/health`);

    // Assess
    expect({ status: response.status, one: response.headers.get('x-one'), both: response.headers.get('x-both'), body: await response.json() }).toEqual({
      status: 201,
      one: 'single',
      both: 'a, b',
      body: { created: true },
    });
  });

  it('decodes a base64-encoded result body', async () => {
    // Prepare
    const { url } = await gatewayWith(async () => ({ statusCode: 200, body: Buffer.from('{"status":"ok"}').toString('base64'), isBase64Encoded: true }));

    // Act
    const reply = await read(await fetch(`${url}/health`));

    // Assess
    expect(reply).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('answers 200 with the sweep result from POST /_local/sweep', async () => {
    // Prepare
    const { url } = await gatewayWith(async () => ({ expired: 2 }));

    // Act
    const reply = await read(await fetch(`${url}/_local/sweep`, { method: 'POST' }));

    // Assess
    expect(reply).toEqual({ status: 200, body: { expired: 2 } });
  });

  it('refuses a clock move that is not a positive number of hours with 400', async () => {
    // Prepare
    const { url } = await gatewayWith(ok);

    // Act
    const reply = await read(await fetch(`${url}/_local/clock`, { method: 'POST', body: '{"advanceHours":-1}' }));

    // Assess
    expect(reply).toEqual({
      status: 400,
      body: { error: { code: 'VALIDATION_ERROR', message: 'Request body is invalid', details: [{ path: 'advanceHours', message: expect.any(String) }] } },
    });
  });
});
