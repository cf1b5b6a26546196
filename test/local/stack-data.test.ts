import { afterAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack';
import { until } from '#test/helpers/wait';

// `npm start` keeps serving data when DynamoDB Local dies.

// One source stack per test file: the functions' clients are built once per process, at their cold start.
let stack: LocalStack | undefined;
afterAll(async () => {
  await stack?.stop();
});

async function call(stack: LocalStack, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the local stack’s data', () => {
  it('answers 503 TRY_AGAIN while DynamoDB Local is down, and restarts it, so data requests work again', async () => {
    // Prepare
    const lines: string[] = [];
    stack = await startLocalStack({ port: 0, log: (line) => lines.push(line) });
    const admin = await stack.issueToken({ sub: 'admin-1', role: 'admin' });
    const killed = stack.dynamoDb!.pid!;

    // Act
    process.kill(killed, 'SIGKILL');
    await until(() => lines.some((line) => line.includes('was ended by')), 'DynamoDB Local seen dead');
    const whileDown = await fetch(`${stack.url}/locations`, { headers: { authorization: `Bearer ${admin}` } });
    const whileDownBody = (await whileDown.json()) as { error?: { code?: string } };
    await until(() => lines.some((line) => line.startsWith('DynamoDB Local is back')), 'DynamoDB Local back');
    const created = await call(stack, admin, 'POST', '/locations', { locationId: 'after-crash', name: 'After', address: '1 Crash St' });
    const listed = await call(stack, admin, 'GET', '/locations');

    // Assess
    expect({ status: whileDown.status, code: whileDownBody.error?.code, retryAfter: whileDown.headers.get('retry-after') }).toEqual({
      status: 503,
      code: 'TRY_AGAIN',
      retryAfter: expect.stringMatching(/^\d+$/),
    });
    expect({ created: created.status, listed: listed.status, items: (listed.body.items as { locationId: string }[]).map((item) => item.locationId) }).toEqual({
      created: 201,
      listed: 200,
      items: ['after-crash'],
    });
  }, 120_000);
});
