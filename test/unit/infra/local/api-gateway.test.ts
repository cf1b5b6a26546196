import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { issueToken } from '#infra/local/auth';
import { apiFromManifest, startGateway, type LocalGateway } from '#infra/local/api-gateway';
import { FunctionError } from '#infra/local/lambda/runtime';
import { localRoutes } from '#infra/local/local-routes';

let gateway: LocalGateway | undefined;

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
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
