import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { apiFromManifest, startGateway, type LocalGateway } from '#infra/local/api-gateway';
import { issueToken } from '#infra/local/auth';

// The local API Gateway over real sockets, for what only a raw HTTP client can send: header and
// query names that are also names of Object.prototype, and bodies that are slow or too large.

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
