import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { InvokeStore } from '@aws/lambda-invoke-store';
import { manifest, entryPath, type FunctionName } from '#shared/manifest';
import { shiftDate } from './service-time.mjs';

/**
 * Local stand-ins for AWS Lambda. Whoever triggers a function (the API Gateway emulation, the
 * schedules, later streams and topic rules) asks a runtime to invoke it by name with an event;
 * the runtime hands the function a fresh JSON copy of the event and serialises what it returns,
 * as Lambda does.
 * - `sourceRuntime`: `npm start`'s fast loop, every function imported from its TypeScript source
 *   into this process, invocations running concurrently (as Lambda's multi-concurrency mode does).
 * - `workerRuntime` (workers.ts): `npm run start:assembly`, every function from its bundle,
 *   each in isolated workers with exactly its own environment, one invocation at a time each.
 */
export interface LambdaRuntime {
  /** @throws FunctionError when the function failed (threw, timed out, could not start). */
  invoke(functionName: string, event: unknown, options?: InvokeOptions): Promise<unknown>;
  /** Moves the clock every function sees forward. */
  advanceClock(milliseconds: number): void;
  now(): Date;
  close(): Promise<void>;
}

export interface InvokeOptions {
  /** The caller stops waiting after this long (API Gateway: 29 s); the function's own timeout may be shorter. */
  readonly callerTimeoutMs?: number;
}

/** A function invocation that ended in an error, as Lambda reports it (`errorType`, `errorMessage`). */
export class FunctionError extends Error {
  override readonly name = 'FunctionError';
  constructor(
    readonly functionName: string,
    readonly errorType: string,
    message: string,
  ) {
    super(`${functionName}: ${errorType}: ${message}`);
  }
}

/**
 * Lambda's runtime creates the InvokeStore before any function code runs. Whoever asks for it first
 * fixes its kind for the whole process: the AWS SDK asks on its first request (the local stack
 * creates its table before any function runs), and without `AWS_LAMBDA_MAX_CONCURRENCY` it gets the
 * single-invocation store, whose `run` overwrites one shared context: interleaved invocations then
 * log the last one's function name and request id. Every local runtime imports this module before it
 * starts anything, so the concurrent store is created here, first.
 */
// Powertools scopes to the store once this variable is set, and looks the store up on every use.
// Set while the store does not exist yet, modules evaluated during the await below (ESM evaluates
// the siblings of a module with top-level await meanwhile) would find the variable but no store,
// and throw; so it is unset until the store exists, whatever the shell exported.
const maxConcurrency = process.env.AWS_LAMBDA_MAX_CONCURRENCY || '64';
delete process.env.AWS_LAMBDA_MAX_CONCURRENCY;
const invokeStore = await InvokeStore.getInstanceAsync(true);
process.env.AWS_LAMBDA_MAX_CONCURRENCY = maxConcurrency;

/** Fails loudly if something created the single-invocation store before this module could. */
function assertConcurrentStore(): void {
  invokeStore.run({}, () => undefined);
  if (invokeStore.hasContext()) {
    throw new Error('The Lambda InvokeStore was created for one invocation at a time: import infra/local/lambda/runtime.ts before making any AWS SDK call');
  }
}

export const localAccountId = '000000000000';
export const localRegion = 'us-east-1';

/** Any function's handler: each has its own event type, so the runtime only promises it what Lambda would. */
export type LambdaHandler = (event: never, context: Context) => Promise<unknown>;
export type HandlerLoader = (functionName: string) => Promise<LambdaHandler>;

export interface ContextInput {
  readonly functionName: string;
  readonly awsRequestId: string;
  readonly deadlineMs: number;
  readonly memoryLimitInMB?: number;
}

/** The wall clock, taken before anything moves `Date` for the functions: deadlines are wall-clock time. */
const wallClock = Date.now.bind(Date);

export function lambdaContext({ functionName, awsRequestId, deadlineMs, memoryLimitInMB = 1024 }: ContextInput): Context {
  const unsupported = () => {
    throw new Error('Callback-style completion is not supported: return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${localRegion}:${localAccountId}:function:${functionName}`,
    memoryLimitInMB: String(memoryLimitInMB),
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${awsRequestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - wallClock()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** An X-Ray trace header for one invocation, unsampled: locally nothing is sent to a daemon. */
export function traceHeader(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}

const handlerModules = new Map<string, Promise<LambdaHandler>>();

/** The service time's offset for the functions of this process, and whether the running code is one of them. */
const clockOffset = new Float64Array(1);
const inFunction = new AsyncLocalStorage<true>();
let dateShifted = false;

function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(manifest, name);
}

/** Imports a function's entry point from source on first use, like a cold start, and keeps it warm afterwards. */
export const loadFromSource: HandlerLoader = (functionName) => {
  let loaded = handlerModules.get(functionName);
  if (loaded === undefined) {
    if (!isFunctionName(functionName)) return Promise.reject(new Error(`No function ${functionName} in the manifest`));
    const path = entryPath(manifest[functionName]).replace(/^functions\//, '').replace(/\.ts$/, '');
    // Resolved at run time, not by the bundler: a handler written after start-up is still found.
    loaded = import(/* @vite-ignore */ `#functions/${path}`).then((module: { handler?: unknown }) => {
      if (typeof module.handler !== 'function') throw new Error(`functions/${path}.ts does not export a handler`);
      return module.handler as LambdaHandler;
    });
    handlerModules.set(functionName, loaded);
    // A module that failed to load (not written yet, or a syntax error) is tried again next time.
    loaded.catch(() => handlerModules.delete(functionName));
  }
  return loaded;
};

/** Where a function's log lines go: a line at a time, under the function's name. */
export type FunctionLog = (functionName: string, line: string) => void;

/** The default of both runtimes: stdout, each line prefixed with its function, as `[notify] …`. */
export const prefixedLog: FunctionLog = (name, line) => writeStdout(`[${name}] ${line}\n`);

const invocationLog = Symbol('locker.local.invocationLog');
let writeStdout: (text: string) => boolean = (text) => process.stdout.write(text);

/**
 * In Lambda each function writes to its own log stream. Here they share this process's stdout and
 * stderr, so whatever an invocation writes (Powertools' lines, a console call) is taken, inside its
 * InvokeStore context, to its own function's log; anything written outside an invocation is left as is.
 */
function captureInvocationOutput(): void {
  if (captured) return;
  captured = true;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
    if (stream === process.stdout) writeStdout = (text) => write(text);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const log = invokeStore.hasContext() ? invokeStore.get<(line: string) => void>(invocationLog) : undefined;
      // A log that itself writes to stdout (a test's, a console call) must reach the stream.
      if (log === undefined || forwarding) return write(chunk, ...rest);
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      forwarding = true;
      try {
        for (const line of text.replace(/\n$/, '').split('\n')) log(line);
      } finally {
        forwarding = false;
      }
      const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  }
}
let captured = false;
let forwarding = false;

/**
 * Every function in this process, from source. Invocations run concurrently, each inside its own
 * InvokeStore context, as Lambda's runtime does in multi-concurrency mode, so Powertools keeps each
 * invocation's logger keys and metrics apart, and each one's output goes to `log` under its own
 * function's name, as in assembly mode (workers.ts). The Lambda context names the function as the
 * assembly does (its manifest name). The process's environment must hold what every function reads
 * (the local stack sets it).
 */
export function sourceRuntime(load: HandlerLoader = loadFromSource, log: FunctionLog = prefixedLog): LambdaRuntime {
  assertConcurrentStore();
  // Once per process, as the functions' clock is: the stand-ins and the tests beside them keep the wall clock.
  if (!dateShifted) shiftDate(clockOffset, () => inFunction.getStore() === true);
  dateShifted = true;
  captureInvocationOutput();
  return {
    invoke: async (functionName, event, options = {}) => {
      const handler = await load(functionName);
      const awsRequestId = randomUUID();
      const context = lambdaContext({
        functionName,
        awsRequestId,
        deadlineMs: wallClock() + (options.callerTimeoutMs ?? 29_000),
      });
      // The keys Lambda's runtime fills for each invocation (the package does not export them by name).
      const scope = {
        [Symbol.for('_AWS_LAMBDA_REQUEST_ID')]: awsRequestId,
        [Symbol.for('_AWS_LAMBDA_X_RAY_TRACE_ID')]: traceHeader(),
        [invocationLog]: (line: string) => log(functionName, line),
      };
      try {
        const result = await inFunction.run(true, () => invokeStore.run(scope, () => handler(JSON.parse(JSON.stringify(event)) as never, context)));
        return result === undefined ? undefined : JSON.parse(JSON.stringify(result));
      } catch (error) {
        // Lambda logs the error in the function's log stream; the caller only learns that it failed.
        console.error(`[lambda] ${functionName} failed`, error);
        throw new FunctionError(functionName, error instanceof Error ? error.name : 'Error', error instanceof Error ? error.message : String(error));
      }
    },
    advanceClock: (milliseconds) => {
      clockOffset[0] = (clockOffset[0] ?? 0) + milliseconds;
    },
    now: () => new Date(wallClock() + (clockOffset[0] ?? 0)),
    close: async () => undefined,
  };
}
