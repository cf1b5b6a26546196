import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import type { AssemblyFunction } from '../cloud-assembly/read.ts';
import { FunctionError, localAccountId, localRegion, traceHeader, type LambdaRuntime } from './runtime.ts';

/**
 * AWS Lambda for the synthesized bundles (`npm run start:assembly`). Each function runs in worker
 * threads of its own, each worker one execution environment: it loads the bundle from `cdk.out`
 * once (the cold start), then serves one invocation at a time, with `process.env` holding exactly
 * the variables of the function's CloudFormation resource plus those Lambda itself sets. A function
 * that is busy gets another environment, up to `maxEnvironmentsPerFunction`; an invocation that
 * outlives the function's timeout ends its environment, as Lambda does.
 */
export interface WorkerRuntimeOptions {
  readonly functions: readonly AssemblyFunction[];
  /** What Lambda sets besides the function's own variables: region, credentials, endpoints of the local stand-ins. */
  readonly platformEnvironment: Readonly<Record<string, string>>;
  readonly maxEnvironmentsPerFunction?: number;
  /** Where each environment's log lines go (CloudWatch Logs in AWS); defaults to stdout, prefixed. */
  readonly log?: (functionName: string, line: string) => void;
}

export interface ColdStart {
  readonly functionName: string;
  /** From starting the worker until the bundle was imported and its module code had run. */
  readonly initMs: number;
  /** The first invocation in that environment. */
  readonly firstInvokeMs?: number;
}

export interface WorkerRuntime extends LambdaRuntime {
  readonly coldStarts: readonly ColdStart[];
}

interface Environment {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  busy: boolean;
  /** The worker exited or crashed: it never serves again. */
  dead: boolean;
  invocations: number;
  coldStart: { functionName: string; initMs: number; firstInvokeMs?: number };
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

const bootstrap = new URL('./worker-bootstrap.mjs', import.meta.url);

/** Lambda gives a function's init phase 10 s; one that does not finish by then fails the invocation. */
const initTimeoutMs = 10_000;

export function workerRuntime(options: WorkerRuntimeOptions): WorkerRuntime {
  const byName = new Map(options.functions.map((fn) => [fn.name, fn]));
  const maxEnvironments = options.maxEnvironmentsPerFunction ?? 4;
  const log = options.log ?? ((name, line) => process.stdout.write(`[${name}] ${line}\n`));
  const clockOffset = new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT);
  const offset = new Float64Array(clockOffset);
  const environments = new Map<string, Environment[]>();
  const waiting = new Map<string, (() => void)[]>();
  const coldStarts: ColdStart[] = [];
  let nextId = 1;
  let closed = false;

  function environmentVariables(fn: AssemblyFunction): Record<string, string> {
    const logStream = `local/[$LATEST]${randomUUID().replaceAll('-', '')}`;
    return {
      ...options.platformEnvironment,
      ...fn.environment,
      // Reserved: Lambda sets these whatever the function declares.
      AWS_REGION: localRegion,
      AWS_DEFAULT_REGION: localRegion,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: logStream,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
      AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
      LAMBDA_TASK_ROOT: fn.codeDirectory,
      _HANDLER: fn.handler,
    };
  }

  function start(fn: AssemblyFunction): Environment {
    const started = performance.now();
    const worker = new Worker(bootstrap, {
      env: environmentVariables(fn),
      workerData: { clockOffset },
      // Nothing of the parent's loaders (tsx, vitest) may reach the bundle.
      execArgv: [],
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: fn.memorySize },
    });
    for (const stream of [worker.stdout, worker.stderr]) {
      createInterface({ input: stream }).on('line', (line) => log(fn.name, line));
    }
    const environment: Environment = {
      worker,
      busy: true,
      dead: false,
      invocations: 0,
      coldStart: { functionName: fn.name, initMs: 0 },
      ready: new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new FunctionError(fn.name, 'Runtime.InitTimeout', `init did not finish within ${initTimeoutMs / 1000} s`)),
          initTimeoutMs,
        );
        const settle = () => {
          clearTimeout(timer);
          worker.off('message', onMessage);
        };
        const onMessage = (message: { type: string; errorType?: string; errorMessage?: string }) => {
          if (message.type === 'ready') {
            settle();
            environment.coldStart.initMs = performance.now() - started;
            coldStarts.push(environment.coldStart);
            resolve();
          } else if (message.type === 'init-error') {
            settle();
            reject(new FunctionError(fn.name, 'Runtime.InitError', `${message.errorType}: ${message.errorMessage}`));
          }
        };
        worker.on('message', onMessage);
        worker.once('exit', (code) => {
          settle();
          reject(new FunctionError(fn.name, 'Runtime.ExitError', `the execution environment exited with code ${code} during init`));
        });
      }),
    };
    // Whenever it ends (an uncaught error, process.exit, a timeout, shutdown), an environment leaves the pool for good.
    worker.on('error', (error) => log(fn.name, `Runtime.ExitError: ${error.message}`));
    worker.once('exit', () => {
      environment.dead = true;
      retire(fn, environment);
    });
    // A rejected `ready` is observed by the invocation that awaits it.
    environment.ready.catch(() => undefined);
    return environment;
  }

  function retire(fn: AssemblyFunction, environment: Environment): void {
    environment.dead = true;
    const pool = environments.get(fn.name) ?? [];
    if (!pool.includes(environment)) return;
    environments.set(fn.name, pool.filter((candidate) => candidate !== environment));
    void environment.worker.terminate();
    wakeOne(fn.name);
  }

  function wakeOne(name: string): void {
    waiting.get(name)?.shift()?.();
  }

  /**
   * An idle environment of `fn`, a new one while below the limit, or the next one freed. A caller
   * that stops waiting (the gateway after 29 s) leaves the queue, so its request never runs late.
   */
  async function acquire(fn: AssemblyFunction, waitUntil: number): Promise<Environment> {
    for (;;) {
      if (closed) throw new FunctionError(fn.name, 'Runtime.Closed', 'the local Lambda runtime is shutting down');
      const pool = environments.get(fn.name) ?? [];
      const idle = pool.find((environment) => !environment.busy && !environment.dead);
      if (idle !== undefined) {
        idle.busy = true;
        return idle;
      }
      if (pool.length < maxEnvironments) {
        const environment = start(fn);
        environments.set(fn.name, [...pool, environment]);
        try {
          await environment.ready;
        } catch (error) {
          retire(fn, environment);
          throw error;
        }
        return environment;
      }
      const queue = waiting.get(fn.name) ?? waiting.set(fn.name, []).get(fn.name)!;
      const woken = await new Promise<boolean>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          queue.splice(queue.indexOf(wake) >>> 0, 1);
          resolve(false);
        }, Math.max(0, waitUntil - Date.now()));
        queue.push(wake);
      });
      if (!woken) throw new FunctionError(fn.name, 'TooManyRequestsException', 'every execution environment stayed busy while the caller waited');
    }
  }

  async function invoke(functionName: string, event: unknown, options: { callerTimeoutMs?: number } = {}): Promise<unknown> {
    const fn = byName.get(functionName);
    if (fn === undefined) throw new FunctionError(functionName, 'ResourceNotFoundException', 'the assembly has no such function');
    // Lambda delivers the event as JSON: the function gets a copy, never the caller's object. An event
    // that is not JSON fails here, before it holds an environment.
    const payload = JSON.parse(JSON.stringify(event) ?? 'null') as unknown;
    const environment = await acquire(fn, Date.now() + (options.callerTimeoutMs ?? fn.timeoutSeconds * 1000));
    const id = nextId++;
    const awsRequestId = randomUUID();
    const timeoutMs = fn.timeoutSeconds * 1000;
    const invokeStarted = performance.now();
    try {
      return await new Promise<unknown>((resolve, reject) => {
        const pending: Pending = { resolve, reject };
        const onMessage = (message: { type: string; id: number; result?: string; errorType?: string; errorMessage?: string }) => {
          if (message.id !== id) return;
          cleanup();
          if (message.type === 'result') pending.resolve(message.result === undefined ? undefined : JSON.parse(message.result));
          else pending.reject(new FunctionError(functionName, message.errorType ?? 'Error', message.errorMessage ?? ''));
        };
        const onExit = () => {
          cleanup();
          pending.reject(new FunctionError(functionName, 'Runtime.ExitError', 'the execution environment exited'));
        };
        const timer = setTimeout(() => {
          cleanup();
          log(functionName, `${new Date().toISOString()} ${awsRequestId} Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`);
          retire(fn, environment);
          pending.reject(new FunctionError(functionName, 'Sandbox.Timedout', `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          environment.worker.off('message', onMessage);
          environment.worker.off('exit', onExit);
        };
        environment.worker.on('message', onMessage);
        environment.worker.once('exit', onExit);
        environment.worker.postMessage({
          id,
          event: payload,
          traceHeader: traceHeader(),
          context: {
            awsRequestId,
            deadlineMs: Date.now() + timeoutMs,
            functionName: fn.name,
            memoryLimitInMB: String(fn.memorySize),
            invokedFunctionArn: `arn:aws:lambda:${localRegion}:${localAccountId}:function:${fn.name}`,
          },
        });
      });
    } finally {
      if (environment.invocations++ === 0) environment.coldStart.firstInvokeMs = performance.now() - invokeStarted;
      if (!environment.dead) {
        environment.busy = false;
        wakeOne(fn.name);
      }
    }
  }

  return {
    coldStarts,
    invoke,
    advanceClock: (milliseconds) => {
      offset[0] = (offset[0] ?? 0) + milliseconds;
    },
    now: () => new Date(Date.now() + (offset[0] ?? 0)),
    close: async () => {
      closed = true;
      for (const resolvers of waiting.values()) resolvers.splice(0).forEach((resolve) => resolve());
      await Promise.all([...environments.values()].flat().map((environment) => environment.worker.terminate()));
      environments.clear();
    },
  };
}
