import { InvokeStore } from '@aws/lambda-invoke-store';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sourceRuntime, type LambdaHandler } from '#infra/local/lambda/runtime';
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
