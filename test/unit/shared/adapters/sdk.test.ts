import { createServer, type Socket } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDocumentClient, createDynamoDbClient } from '#shared/adapters/dynamodb/client';
import { clientOptions } from '#shared/adapters/sdk';
import { sdkSettings } from '#shared/config';
import { withDeadline } from '#shared/deadline';
import { UnavailableError } from '#shared/domain/errors';
import { toErrorResponse } from '#shared/http/errors';

const secretMessage = 'internal detail: host 10.1.2.3, table locker-prod';

/** A client whose every attempt ends as `respond` says, without touching the network. */
function clientAnswering(respond: () => Promise<never>) {
  const client = new DynamoDBClient({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
  client.middlewareStack.add(() => () => respond(), { step: 'deserialize', name: 'answer', priority: 'high' });
  return createDocumentClient(client);
}

const sdkError = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(secretMessage), { name, $fault: 'client', $metadata: {}, ...extra });

const read = (client: ReturnType<typeof createDocumentClient>) => client.send(new GetCommand({ TableName: 't', Key: { PK: 'a', SK: 'b' } }));

describe('SDK errors whose outcome is unknown', () => {
  it.each([
    ['a request timeout', () => sdkError('TimeoutError', { code: 'ETIMEDOUT' })],
    ['an aborted request', () => sdkError('AbortError')],
    ['a refused connection', () => Object.assign(new Error(secretMessage), { code: 'ECONNREFUSED' })],
    ['a reset connection', () => Object.assign(new Error(secretMessage), { code: 'ECONNRESET' })],
    ['throttling that outlasted the retries', () => sdkError('ThrottlingException', { $retryable: { throttling: true } })],
    ['exceeded throughput', () => sdkError('ProvisionedThroughputExceededException')],
    ['an internal server error', () => sdkError('InternalServerError', { $fault: 'server', $metadata: { httpStatusCode: 500 } })],
    ['an unavailable service', () => sdkError('ServiceUnavailable', { $fault: 'server', $metadata: { httpStatusCode: 503 } })],
    ['a missing table (DynamoDB Local restarted in memory, the table not created again yet)', () => sdkError('ResourceNotFoundException', { $metadata: { httpStatusCode: 400 } })],
  ])('answer 503 TRY_AGAIN with Retry-After after %s, and never the SDK message', async (_kind, error) => {
    // Prepare
    const client = clientAnswering(() => Promise.reject(error()));

    // Act
    const thrown = await read(client).catch((caught: unknown) => caught);
    const response = toErrorResponse(thrown);

    // Assess
    expect(thrown).toBeInstanceOf(UnavailableError);
    expect({ statusCode: response.statusCode, retryAfter: response.headers?.['Retry-After'], body: JSON.parse(response.body) as unknown }).toEqual({
      statusCode: 503,
      retryAfter: '2',
      body: { error: { code: 'TRY_AGAIN', message: 'The table did not answer; try again' } },
    });
    expect(response.body).not.toContain('10.1.2.3');
  });

  it.each([
    ['a failed condition', () => sdkError('ConditionalCheckFailedException')],
    ['a malformed request', () => sdkError('ValidationException')],
  ])('let %s through to the adapter unchanged', async (_kind, error) => {
    // Prepare
    const original = error();
    const client = clientAnswering(() => Promise.reject(original));

    // Act
    const thrown = await read(client).catch((caught: unknown) => caught);

    // Assess
    expect(thrown).toBe(original);
  });

  it('answer a bare 500 without the SDK message to an error we do not know', () => {
    // Act
    const response = toErrorResponse(sdkError('ValidationException'));

    // Assess
    expect({ statusCode: response.statusCode, body: JSON.parse(response.body) as unknown }).toEqual({
      statusCode: 500,
      body: { error: { code: 'INTERNAL_ERROR', message: 'Internal server error' } },
    });
  });
});

describe('SDK calls under the invocation deadline', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('give up an attempt at the deadline and answer TRY_AGAIN, without waiting for the stalled answer', async () => {
    // Prepare: DynamoDB "answers" after 2 s; the invocation has 150 ms, on the fake timers' clock.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const client = clientAnswering(() => new Promise<never>((_resolve, reject) => setTimeout(() => reject(sdkError('TimeoutError')), 2_000)));

    // Act
    const outcome = withDeadline(150, () => read(client)).catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(150);
    const thrown = await Promise.race([outcome, 'still waiting']);

    // Assess
    expect(thrown).toBeInstanceOf(UnavailableError);
    expect((thrown as Error).message).toBe('The table did not finish in time; try again');
  });

  it('send nothing once the deadline has passed', async () => {
    // Prepare
    let sent = 0;
    const client = clientAnswering(() => {
      sent += 1;
      return Promise.reject(sdkError('TimeoutError'));
    });

    // Act
    const thrown = await withDeadline(0, () => read(client)).catch((caught: unknown) => caught);

    // Assess
    expect(thrown).toBeInstanceOf(UnavailableError);
    expect({ message: (thrown as Error).message, sent }).toEqual({ message: 'The table did not finish in time; try again', sent: 0 });
  });
});

describe('SDK client options', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('set connection and request timeouts that throw, and bounded attempts, from the settings', () => {
    // Act
    const options = clientOptions(sdkSettings({ SDK_CONNECTION_TIMEOUT_MS: '250', SDK_REQUEST_TIMEOUT_MS: '400', SDK_MAX_ATTEMPTS: '2' }));

    // Assess
    expect(options).toEqual({ maxAttempts: 2, requestHandler: { connectionTimeout: 250, requestTimeout: 400, throwOnRequestTimeout: true } });
  });

  it('default to a one-second connection timeout, a two-second request timeout and three attempts', () => {
    // Act
    const options = clientOptions(sdkSettings({}));

    // Assess
    expect(options).toEqual({ maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true } });
  });

  it('give the table client a request timeout that ends a stalled request', async () => {
    // Prepare: a server that accepts the connection and never answers. The request timeouts and the
    // retry's backoff run on the fake timers' clock; the connection itself is real.
    const sockets = new Set<Socket>();
    const server = createServer((socket) => sockets.add(socket)).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const client = createDocumentClient(
      createDynamoDbClient(
        { region: 'eu-west-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } },
        sdkSettings({ SDK_REQUEST_TIMEOUT_MS: '100', SDK_MAX_ATTEMPTS: '2' }),
      ),
    );
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const started = performance.now();

    // Act: fake time moves on in small steps, the real connection's events in between.
    let settled = false;
    const outcome = read(client)
      .catch((caught: unknown) => caught)
      .finally(() => (settled = true));
    while (!settled && performance.now() - started < 10_000) {
      await vi.advanceTimersByTimeAsync(10);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const thrown = await outcome;

    // Assess: two attempts of 100 ms and a backoff, far from the 2 s default a missing setting would give.
    const elapsed = performance.now() - started;
    for (const socket of sockets) socket.destroy();
    server.close();
    expect(thrown).toBeInstanceOf(UnavailableError);
    expect({ message: (thrown as Error).message, withinOneDefaultTimeout: elapsed < 2_000 }).toEqual({
      message: 'The table did not answer; try again',
      withinOneDefaultTimeout: true,
    });
  });
});
