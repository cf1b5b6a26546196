import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AssemblyFunction } from '#infra/local/cloud-assembly/read';
import { FunctionError } from '#infra/local/lambda/runtime';
import { workerRuntime, type WorkerRuntime } from '#infra/local/lambda/workers';

/**
 * The isolated execution environments of start:assembly, with a small hand-written bundle in place
 * of a synthesized one: what each environment sees, and how it ends.
 */
let directory: string;
let runtime: WorkerRuntime | undefined;

const bundle = `
const started = Date.now();
let running = 0;
export const handler = async (event, context) => {
  running++;
  try {
    if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
    if (event.fail) throw new RangeError('bad input');
    if (event.exit) process.exit(1);
    if (event.dateString) return { dateString: typeof Date() };
    return { env: process.env, now: Date.now(), started, running, remaining: context.getRemainingTimeInMillis(), requestId: context.awsRequestId };
  } finally {
    running--;
  }
};
`;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'locker-worker-'));
  writeFileSync(join(directory, 'index.mjs'), bundle);
  writeFileSync(join(directory, 'broken.mjs'), 'throw new Error("init failed");');
  writeFileSync(join(directory, 'exits.mjs'), 'process.exit(0);');
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

function fn(overrides: Partial<AssemblyFunction> = {}): AssemblyFunction {
  return {
    logicalId: 'ProbeFunction',
    name: 'probe',
    codeDirectory: directory,
    handler: 'index.handler',
    environment: { TABLE_NAME: 'the-table' },
    timeoutSeconds: 3,
    memorySize: 256,
    ...overrides,
  };
}

function start(functions: AssemblyFunction[], maxEnvironmentsPerFunction = 2): WorkerRuntime {
  runtime = workerRuntime({ functions, platformEnvironment: { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1' }, maxEnvironmentsPerFunction, log: () => undefined });
  return runtime;
}

type ProbeResult = { env: Record<string, string>; now: number; started: number; running: number; remaining: number; requestId: string };

describe('the isolated Lambda environments of start:assembly', () => {
  it("gives a function exactly its own variables and Lambda's, never the parent's", async () => {
    // Prepare
    process.env.LOCKER_PARENT_ONLY = 'leaked';
    const lambda = start([fn()]);

    // Act
    const result = (await lambda.invoke('probe', {})) as ProbeResult;

    // Assess
    delete process.env.LOCKER_PARENT_ONLY;
    expect(result.env).toMatchObject({ TABLE_NAME: 'the-table', AWS_LAMBDA_FUNCTION_NAME: 'probe', _HANDLER: 'index.handler', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1' });
    expect(result.env.LOCKER_PARENT_ONLY).toBeUndefined();
    expect(result.env.PATH).toBeUndefined();
  });

  it('moves the clock the bundle reads when the local clock moves', async () => {
    // Prepare
    const lambda = start([fn()]);
    const before = (await lambda.invoke('probe', {})) as ProbeResult;

    // Act
    lambda.advanceClock(72 * 3_600_000);
    const after = (await lambda.invoke('probe', {})) as ProbeResult;

    // Assess
    expect(after.now - before.now).toBeGreaterThanOrEqual(72 * 3_600_000);
  });

  it('runs one invocation at a time in an environment, and starts another environment for a concurrent one', async () => {
    // Prepare
    const lambda = start([fn()]);

    // Act
    const results = (await Promise.all([lambda.invoke('probe', { sleepMs: 100 }), lambda.invoke('probe', { sleepMs: 100 })])) as ProbeResult[];

    // Assess
    expect(results.map((result) => result.running)).toEqual([1, 1]);
    expect(lambda.coldStarts).toHaveLength(2);
  });

  it('ends an invocation that outlives the function timeout, and starts afresh after it', async () => {
    // Prepare
    const lambda = start([fn({ timeoutSeconds: 1 })], 1);

    // Act
    const timedOut = lambda.invoke('probe', { sleepMs: 5_000 });

    // Assess
    await expect(timedOut).rejects.toEqual(new FunctionError('probe', 'Sandbox.Timedout', 'Task timed out after 1.00 seconds'));
    await expect(lambda.invoke('probe', {})).resolves.toMatchObject({ running: 1 });
    expect(lambda.coldStarts).toHaveLength(2);
  });

  it('reports an error the handler throws with its type, and keeps the environment', async () => {
    // Prepare
    const lambda = start([fn()]);

    // Act / Assess
    await expect(lambda.invoke('probe', { fail: true })).rejects.toEqual(new FunctionError('probe', 'RangeError', 'bad input'));
    await expect(lambda.invoke('probe', {})).resolves.toMatchObject({ running: 1 });
    expect(lambda.coldStarts).toHaveLength(1);
  });

  it('replaces an environment that died during an invocation instead of handing it the next one', async () => {
    // Prepare
    const lambda = start([fn()], 1);

    // Act
    const died = lambda.invoke('probe', { exit: true });

    // Assess
    await expect(died).rejects.toMatchObject({ errorType: 'Runtime.ExitError' });
    await expect(lambda.invoke('probe', {})).resolves.toMatchObject({ running: 1 });
    expect(lambda.coldStarts).toHaveLength(2);
  });

  it('fails an invocation whose bundle exits while loading, instead of waiting forever', async () => {
    // Prepare
    const lambda = start([fn({ handler: 'exits.handler' })]);

    // Act / Assess
    await expect(lambda.invoke('probe', {})).rejects.toMatchObject({ errorType: 'Runtime.ExitError' });
  });

  it('keeps Date() without new returning a string while the clock is moved', async () => {
    // Prepare
    const lambda = start([fn()]);
    lambda.advanceClock(1_000);

    // Act / Assess
    await expect(lambda.invoke('probe', { dateString: true })).resolves.toEqual({ dateString: 'string' });
  });

  it('refuses a caller that waited too long for a busy function, so its request never runs late', async () => {
    // Prepare: one environment, busy for a while.
    const lambda = start([fn()], 1);
    const busy = lambda.invoke('probe', { sleepMs: 500 });

    // Act
    const queued = lambda.invoke('probe', {}, { callerTimeoutMs: 50 });

    // Assess
    await expect(queued).rejects.toMatchObject({ errorType: 'TooManyRequestsException' });
    await expect(busy).resolves.toMatchObject({ running: 1 });
  });

  it('fails every invocation of a bundle that cannot load', async () => {
    // Prepare
    const lambda = start([fn({ handler: 'broken.handler' })]);

    // Act / Assess
    await expect(lambda.invoke('probe', {})).rejects.toMatchObject({ errorType: 'Runtime.InitError' });
  });
});
