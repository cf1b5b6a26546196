import { InvokeStore } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FunctionError, sourceRuntime, type LambdaHandler } from '#infra/local/lambda/runtime';
import { systemClock } from '#shared/adapters/clock';
import { logger } from '#shared/adapters/observability';
import { lambdaHandler } from '#shared/lambda';

// `npm start` runs every function in one process, invocations interleaving: each must log with its own context.

afterEach(() => {
  vi.restoreAllMocks();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A function that logs before and after waiting, so two of them interleave. */
function loggingFunction(name: string, before: number, after: number): LambdaHandler {
  return lambdaHandler(async () => {
    await pause(before);
    logger.info(`${name} started`);
    await pause(after);
    logger.info(`${name} finished`);
    return name;
  }) as unknown as LambdaHandler;
}

describe('the source runtime', () => {
  it('gives interleaved invocations their own logger context, even when the AWS SDK asked for the InvokeStore first', async () => {
    // Prepare: the SDK asks for the store on its first request, as the local stack's table creation does before any function runs.
    await InvokeStore.getInstanceAsync();
    const functions: Record<string, LambdaHandler> = { first: loggingFunction('first', 5, 60), second: loggingFunction('second', 20, 5) };
    const runtime = sourceRuntime(async (name) => functions[name]!);
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });

    // Act
    await Promise.all([runtime.invoke('first', {}), runtime.invoke('second', {})]);

    // Assess
    vi.mocked(process.stdout.write).mockRestore();
    const logged = lines
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { message: string; function_name: string; function_request_id: string });
    const byMessage = Object.fromEntries(logged.map((entry) => [entry.message, entry]));
    expect(logged.map((entry) => entry.message)).toEqual(['first started', 'second started', 'second finished', 'first finished']);
    expect({
      first: [byMessage['first started']?.function_name, byMessage['first finished']?.function_name],
      second: [byMessage['second started']?.function_name, byMessage['second finished']?.function_name],
    }).toEqual({
      first: ['first', 'first'],
      second: ['second', 'second'],
    });
    expect(byMessage['first finished']?.function_request_id).toBe(byMessage['first started']?.function_request_id);
    expect(byMessage['second finished']?.function_request_id).toBe(byMessage['second started']?.function_request_id);
    expect(byMessage['first started']?.function_request_id).not.toBe(byMessage['second started']?.function_request_id);
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

  it("moves the service's plain clock and Date inside the functions when the clock moves, and neither the wall clock outside nor the deadline", async () => {
    // Prepare
    const timeFunction = async (_event: unknown, context: Context) => ({
      clock: systemClock.now().getTime(),
      date: Date.now(),
      awaited: await pause(1).then(() => Date.now()),
      left: context.getRemainingTimeInMillis(),
    });
    const runtime = sourceRuntime(async () => timeFunction as unknown as LambdaHandler);
    const before = (await runtime.invoke('time', {})) as { clock: number };

    // Act
    runtime.advanceClock(3 * 3_600_000);
    const after = (await runtime.invoke('time', {})) as { clock: number; date: number; awaited: number; left: number };

    // Assess
    const hour = 3_600_000;
    expect(Math.round((after.clock - before.clock) / hour)).toBe(3);
    expect(Math.round((after.date - before.clock) / hour)).toBe(3);
    expect(Math.round((after.awaited - before.clock) / hour)).toBe(3);
    expect(Math.round((runtime.now().getTime() - Date.now()) / hour)).toBe(3);
    // The invocation's deadline is wall-clock time: moving the service's time spends none of it.
    expect(after.left).toBeGreaterThan(20_000);
    expect(Math.abs(Date.now() - performance.timeOrigin - performance.now())).toBeLessThan(1_000);
  });

  it("takes each invocation's output, Powertools' lines and plain writes alike, to its own function's log, as assembly mode does", async () => {
    // Prepare: the sweeps run at once in one process.
    const sweep = (name: string, before: number, after: number): LambdaHandler =>
      lambdaHandler(async () => {
        await pause(before);
        logger.info(`${name} swept`);
        await pause(after);
        // What console.log does outside vitest, which replaces the console.
        process.stdout.write(`${name} says plainly\n`);
        return name;
      }) as unknown as LambdaHandler;
    const functions: Record<string, LambdaHandler> = { 'expire-parcels': sweep('expire-parcels', 5, 40), 'door-timeouts': sweep('door-timeouts', 15, 5) };
    const logged: [string, string][] = [];
    const runtime = sourceRuntime(async (name) => functions[name]!, (name, line) => logged.push([name, line]));

    // Act
    await Promise.all([runtime.invoke('expire-parcels', {}), runtime.invoke('door-timeouts', {})]);

    // Assess
    const seen = logged.map(([name, line]) =>
      line.startsWith('{') ? [name, (JSON.parse(line) as { function_name: string; message: string }).function_name, (JSON.parse(line) as { message: string }).message] : [name, line],
    );
    expect(seen).toEqual([
      ['expire-parcels', 'expire-parcels', 'expire-parcels swept'],
      ['door-timeouts', 'door-timeouts', 'door-timeouts swept'],
      ['door-timeouts', 'door-timeouts says plainly'],
      ['expire-parcels', 'expire-parcels says plainly'],
    ]);
  });
});
