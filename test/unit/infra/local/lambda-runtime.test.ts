import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger } from '#shared/adapters/observability';
import { lambdaHandler } from '#shared/lambda';
import { FunctionError, sourceRuntime, type LambdaHandler } from '#infra/local/lambda/runtime';

afterEach(() => {
  vi.restoreAllMocks();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The JSON lines the logger wrote with `message`, while `act` ran. */
async function logLines(message: string, act: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const written: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  await act();
  vi.mocked(process.stdout.write).mockRestore();
  return written
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.message === message);
}

describe('the in-process Lambda runtime of npm start', () => {
  it('keeps the request id of two invocations apart while they run at once', async () => {
    // Prepare: the first invocation is still waiting when the second one starts and ends.
    const handler = lambdaHandler(async (event: { n: number; wait: number }) => {
      logger.info('start', { n: event.n });
      await sleep(event.wait);
      logger.info('done', { n: event.n });
      return {};
    });
    const runtime = sourceRuntime(async () => handler as unknown as LambdaHandler);

    // Act
    const lines = await logLines('done', () => Promise.all([runtime.invoke('slow', { n: 1, wait: 40 }), runtime.invoke('slow', { n: 2, wait: 1 })]));

    // Assess
    const requestIds = new Map(lines.map((line) => [line.n, line.function_request_id]));
    expect(requestIds.size).toBe(2);
    expect(new Set(requestIds.values()).size).toBe(2);
  });

  it('hands the function a copy of the event and returns a JSON copy of its result', async () => {
    // Prepare
    const event = { nested: { value: 1 } };
    const runtime = sourceRuntime(async () =>
      (async (received: { nested: { value: number } }) => {
        received.nested.value = 2;
        return { at: new Date(0) };
      }) as unknown as LambdaHandler,
    );

    // Act
    const result = await runtime.invoke('copy', event);

    // Assess
    expect({ event, result }).toEqual({ event: { nested: { value: 1 } }, result: { at: '1970-01-01T00:00:00.000Z' } });
  });

  it('reports a function that throws as a failed invocation, as Lambda does', async () => {
    // Prepare
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const runtime = sourceRuntime(async () =>
      (async () => {
        throw new TypeError('boom');
      }) as unknown as LambdaHandler,
    );

    // Act / Assess
    await expect(runtime.invoke('failing', {})).rejects.toEqual(new FunctionError('failing', 'TypeError', 'boom'));
  });
});
