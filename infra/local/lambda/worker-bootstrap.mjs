// @ts-check
/* global process, console */
/**
 * What runs inside each isolated worker of `npm run start:assembly`: a small stand-in for Lambda's
 * Node.js runtime interface client. It is plain JavaScript on purpose, so nothing of the dev
 * toolchain (tsx, vitest) is loaded beside the bundle: the worker holds the bundle, the variables
 * of its CloudFormation resource and what Lambda itself sets, and nothing else.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { shiftDate } from './service-time.mjs';

if (parentPort === null) throw new Error('worker-bootstrap.mjs runs only as a worker thread');
const port = parentPort;

// The parent moves this shared offset (service-time.mjs): every `Date` in the worker follows.
const realNow = shiftDate(new Float64Array(/** @type {SharedArrayBuffer} */ (workerData.clockOffset)), () => true);

if ((process.env.NODE_OPTIONS ?? '').includes('--enable-source-maps')) process.setSourceMapsEnabled(true);

const taskRoot = process.env.LAMBDA_TASK_ROOT ?? '.';
const [moduleName = 'index', exportName = 'handler'] = (process.env._HANDLER ?? 'index.handler').split('.');

/** @param {unknown} error */
function describe(error) {
  return error instanceof Error
    ? { errorType: error.name, errorMessage: error.message }
    : { errorType: 'Error', errorMessage: String(error) };
}

/** @type {(event: unknown, context: object) => Promise<unknown>} */
let handler;
try {
  const module = await import(pathToFileURL(join(taskRoot, `${moduleName}.mjs`)).href);
  handler = module[exportName];
  if (typeof handler !== 'function') throw Object.assign(new Error(`${moduleName}.${exportName} is not a function`), { name: 'Runtime.HandlerNotFound' });
  port.postMessage({ type: 'ready' });
} catch (error) {
  console.error('INIT_REPORT Init Error', error);
  port.postMessage({ type: 'init-error', ...describe(error) });
}

port.on('message', async (/** @type {{ id: number, event: unknown, context: { awsRequestId: string, deadlineMs: number, functionName: string, memoryLimitInMB: string, invokedFunctionArn: string }, traceHeader: string }} */ message) => {
  const { id, event, context, traceHeader } = message;
  process.env._X_AMZN_TRACE_ID = traceHeader;
  const unsupported = () => {
    throw new Error('Callback-style completion is not supported: return a promise');
  };
  const lambdaContext = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: context.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: context.memoryLimitInMB,
    awsRequestId: context.awsRequestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, context.deadlineMs - realNow()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
  try {
    const result = await handler(event, lambdaContext);
    port.postMessage({ type: 'result', id, result: result === undefined ? undefined : JSON.stringify(result) });
  } catch (error) {
    console.error(`${new Date(realNow()).toISOString()}\t${context.awsRequestId}\tERROR\tInvoke Error`, error);
    port.postMessage({ type: 'error', id, ...describe(error) });
  } finally {
    delete process.env._X_AMZN_TRACE_ID;
  }
});
