import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context, ScheduledEvent } from 'aws-lambda';
import { z } from 'zod';
import { systemClock } from '#shared/adapters/clock';
import { routes } from '#shared/http/routes';
import type { RouteDefinition } from '#shared/http/routes';
import { issueToken, toAuthorizerClaims, tokenRequestSchema, verifyToken } from './auth.ts';

/**
 * A local stand-in for the deployed REST API: it turns HTTP requests into the API Gateway (v1)
 * proxy events the deployed Lambdas receive, verifies tokens as the Cognito authorizer does, and
 * answers for API Gateway itself (401, 404) in the error shape our CDK gateway responses set.
 */

const localAccountId = '000000000000';
const localRegion = 'us-east-1';
/** API Gateway's REST payload limit; our handlers enforce their own, much smaller one. */
const maxPayloadBytes = 10 * 1024 * 1024;
/** API Gateway gives up on an integration after 29 s; handlers see that as their remaining time. */
const integrationTimeoutMs = 29_000;

export interface RouteMatch {
  readonly route: RouteDefinition;
  readonly pathParameters: Record<string, string> | null;
}

const compiledRoutes = routes.map((route) => ({ route, segments: route.path.split('/').slice(1) }));

/** Finds the route for a raw (still percent-encoded) path; parameters are decoded per segment, as API Gateway does. */
export function matchRoute(method: string, rawPath: string): RouteMatch | undefined {
  const segments = rawPath.split('/').slice(1);
  for (const { route, segments: pattern } of compiledRoutes) {
    if (route.method !== method || pattern.length !== segments.length) continue;
    const parameters: Record<string, string> = {};
    const matches = pattern.every((part, index) => {
      const segment = segments[index] ?? '';
      const name = /^\{(\w+)\}$/.exec(part)?.[1];
      if (name === undefined) return part === segment;
      if (segment === '') return false;
      try {
        parameters[name] = decodeURIComponent(segment);
        return true;
      } catch {
        return false;
      }
    });
    if (matches) return { route, pathParameters: Object.keys(parameters).length === 0 ? null : parameters };
  }
  return undefined;
}

export interface GatewayRequest {
  readonly method: string;
  /** Path without the query string, as received. */
  readonly rawPath: string;
  /** Everything after `?`, or an empty string. */
  readonly rawQuery: string;
  /** Node's `rawHeaders`: name, value, name, value…, in the client's order and casing. */
  readonly rawHeaders: readonly string[];
  readonly body: string | null;
  readonly sourceIp: string;
  readonly requestId: string;
  readonly requestTimeEpoch: number;
}

export interface ProxyEventInput {
  readonly match: RouteMatch;
  readonly request: GatewayRequest;
  /** Authorizer claims as API Gateway renders them (see `toAuthorizerClaims`); null on public routes. */
  readonly claims: Record<string, string> | null;
  readonly stage: string;
}

/** Builds the event API Gateway's Lambda proxy integration (REST, payload v1) would send. Pure. */
export function buildProxyEvent({ match, request, claims, stage }: ProxyEventInput): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let index = 0; index + 1 < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index] as string;
    const value = request.rawHeaders[index + 1] as string;
    // The single-value map keeps the last occurrence, like API Gateway.
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  const query = multiValueQuery(request.rawQuery);
  const headerValue = (wanted: string) => Object.entries(headers).find(([name]) => name.toLowerCase() === wanted)?.[1];
  const domainName = headerValue('host') ?? 'localhost';

  return {
    resource: match.route.path,
    path: request.rawPath,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query === null ? null : Object.fromEntries(Object.entries(query).map(([name, values]) => [name, values.at(-1) as string])),
    multiValueQueryStringParameters: query,
    pathParameters: match.pathParameters,
    stageVariables: null,
    requestContext: {
      accountId: localAccountId,
      apiId: 'local',
      // Absent, not empty, on routes without an authorizer.
      authorizer: claims === null ? undefined : { claims },
      domainName,
      domainPrefix: domainName.split('.')[0],
      extendedRequestId: request.requestId,
      httpMethod: request.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent: headerValue('user-agent') ?? null,
        userArn: null,
      },
      path: `/${stage}${request.rawPath}`,
      protocol: 'HTTP/1.1',
      requestId: request.requestId,
      requestTime: clfTime(request.requestTimeEpoch),
      requestTimeEpoch: request.requestTimeEpoch,
      resourceId: 'local',
      resourcePath: match.route.path,
      stage,
    },
    body: request.body,
    isBase64Encoded: false,
  };
}

function multiValueQuery(rawQuery: string): Record<string, string[]> | null {
  if (rawQuery === '') return null;
  const values: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(rawQuery)) (values[name] ??= []).push(value);
  return Object.keys(values).length === 0 ? null : values;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `requestTime` uses the access-log format: `09/Apr/2015:12:34:56 +0000`. */
function clfTime(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** Any function's handler: each has its own event type, so the gateway only promises it what Lambda would. */
export type LambdaHandler = (event: never, context: Context) => Promise<unknown>;
export type HandlerLoader = (folder: 'http' | 'schedule', name: string) => Promise<LambdaHandler>;

const handlerModules = new Map<string, Promise<LambdaHandler>>();

/** Imports `functions/<folder>/<name>.ts` on first use, like a cold start, and keeps it warm afterwards. */
export const loadFunctionHandler: HandlerLoader = (folder, name) => {
  const key = `${folder}/${name}`;
  let loaded = handlerModules.get(key);
  if (loaded === undefined) {
    // Resolved at run time, not by the bundler: a handler written after start-up is still found.
    loaded = import(/* @vite-ignore */ `#functions/${key}`).then((module: { handler?: unknown }) => {
      if (typeof module.handler !== 'function') throw new Error(`functions/${key}.ts does not export a handler`);
      return module.handler as LambdaHandler;
    });
    handlerModules.set(key, loaded);
    // A module that failed to load (not written yet, or a syntax error) is tried again next time.
    loaded.catch(() => handlerModules.delete(key));
  }
  return loaded;
};

function lambdaContext(functionName: string, awsRequestId: string): Context {
  const deadline = Date.now() + integrationTimeoutMs;
  const unsupported = () => {
    throw new Error('Callback-style completion is not supported: return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${localRegion}:${localAccountId}:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${awsRequestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** Lambda hands a function a fresh JSON copy of the event and serialises what it returns: so do we. */
async function invoke(load: HandlerLoader, folder: 'http' | 'schedule', name: string, event: unknown): Promise<unknown> {
  const handler = await load(folder, name);
  const result = await handler(JSON.parse(JSON.stringify(event)) as never, lambdaContext(`locker-service-${name}`, randomUUID()));
  return result === undefined ? undefined : JSON.parse(JSON.stringify(result));
}

/** Runs the schedule-triggered expiry sweep once, with the event EventBridge would send. */
export function runExpirySweep(load: HandlerLoader = loadFunctionHandler): Promise<unknown> {
  const name = 'expire-parcels';
  const event: ScheduledEvent = {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: localAccountId,
    time: new Date().toISOString(),
    region: localRegion,
    resources: [`arn:aws:events:${localRegion}:${localAccountId}:rule/locker-service-${name}`],
    detail: {},
  };
  return invoke(load, 'schedule', name, event);
}

class GatewayError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: readonly { path: string; message: string }[],
  ) {
    super(message);
  }
}

const internalError = new GatewayError(500, 'INTERNAL_ERROR', 'Internal server error');

export interface LocalGateway {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly stage?: string;
  /** Where handlers come from; tests substitute their own. */
  readonly loadHandler?: HandlerLoader;
}

export async function startGateway({ port, stage = 'local', loadHandler = loadFunctionHandler }: GatewayOptions): Promise<LocalGateway> {
  const server = createServer((request, response) => {
    void serve(request, response, stage, loadHandler);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}

async function serve(incoming: IncomingMessage, response: ServerResponse, stage: string, load: HandlerLoader): Promise<void> {
  const requestId = randomUUID();
  const requestTimeEpoch = Date.now();
  const method = incoming.method ?? 'GET';
  const target = incoming.url ?? '/';
  const queryStart = target.indexOf('?');
  const rawPath = queryStart === -1 ? target : target.slice(0, queryStart);
  const rawQuery = queryStart === -1 ? '' : target.slice(queryStart + 1);
  response.setHeader('x-amzn-RequestId', requestId);
  try {
    const body = await readBody(incoming);
    if (rawPath.startsWith('/_local/')) {
      writeJson(response, 200, await serveLocalRoute(method, rawPath, body, load));
      return;
    }
    const match = matchRoute(method, rawPath);
    if (match === undefined) throw new GatewayError(404, 'NOT_FOUND', `No route for ${method} ${rawPath}`);
    const claims = match.route.authenticated ? await authorize(incoming.headers.authorization) : null;
    const event = buildProxyEvent({
      match,
      request: { method, rawPath, rawQuery, rawHeaders: incoming.rawHeaders, body, sourceIp: incoming.socket.remoteAddress ?? '127.0.0.1', requestId, requestTimeEpoch },
      claims,
      stage,
    });
    writeProxyResult(response, (await invoke(load, 'http', match.route.name, event)) as APIGatewayProxyResult | undefined);
  } catch (error) {
    if (!(error instanceof GatewayError) || error.statusCode >= 500) console.error(`[gateway] ${method} ${rawPath} failed`, error);
    const answer = error instanceof GatewayError ? error : internalError;
    // An oversized body is left unread, so the connection cannot carry another request.
    if (answer.statusCode === 413) response.setHeader('Connection', 'close');
    if (!response.headersSent) writeError(response, answer.statusCode >= 500 ? internalError : answer);
    else response.destroy();
  }
}

async function readBody(incoming: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxPayloadBytes) throw new GatewayError(413, 'REQUEST_TOO_LARGE', 'Request too large');
    chunks.push(chunk);
  }
  return size === 0 ? null : Buffer.concat(chunks).toString('utf8');
}

/** The Cognito authorizer reads the `Authorization` header: the bare token or `Bearer <token>`. */
async function authorize(header: string | undefined): Promise<Record<string, string>> {
  const token = header?.replace(/^Bearer\s+/i, '').trim();
  if (token === undefined || token === '') throw new GatewayError(401, 'UNAUTHORIZED', 'Missing bearer token');
  const verified = await verifyToken(token);
  if (!verified.ok) throw new GatewayError(401, 'UNAUTHORIZED', verified.message);
  return toAuthorizerClaims(verified.claims);
}

async function serveLocalRoute(method: string, rawPath: string, body: string | null, load: HandlerLoader): Promise<unknown> {
  const route = `${method} ${rawPath}`;
  if (route === 'POST /_local/token') {
    const request = parseBody(body, tokenRequestSchema);
    return { token: await issueToken(request) };
  }
  if (route === 'POST /_local/clock') {
    const { advanceHours } = parseBody(body, clockRequestSchema);
    systemClock.advance(advanceHours * 60 * 60 * 1000);
    return { now: systemClock.now().toISOString() };
  }
  if (route === 'POST /_local/sweep') return (await runExpirySweep(load)) ?? {};
  throw new GatewayError(404, 'NOT_FOUND', `No route for ${route}`);
}

const clockRequestSchema = z.strictObject({
  // Forward only: nothing moves a deployed service's clock backwards either.
  advanceHours: z.number().positive().max(24 * 366),
});

function parseBody<T extends z.ZodType>(body: string | null, schema: T): z.infer<T> {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    throw new GatewayError(400, 'VALIDATION_ERROR', 'Request body is not valid JSON', [{ path: '', message: 'invalid JSON' }]);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    throw new GatewayError(400, 'VALIDATION_ERROR', 'Request body is invalid', details);
  }
  return parsed.data;
}

function writeJson(response: ServerResponse, statusCode: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  response.writeHead(statusCode, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

function writeError(response: ServerResponse, error: GatewayError): void {
  writeJson(response, error.statusCode, {
    error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) },
  });
}

/**
 * Writes a proxy result the way API Gateway does: `headers` and `multiValueHeaders` are merged
 * (a name in both takes the multi-value list), the body is decoded when `isBase64Encoded`, and
 * a result that is not a proxy response is the client's 5xx, not the handler's body.
 */
function writeProxyResult(response: ServerResponse, result: APIGatewayProxyResult | undefined): void {
  if (result === undefined || result === null || typeof result !== 'object' || !Number.isInteger(result.statusCode)) {
    throw new Error(`Malformed Lambda proxy response: ${JSON.stringify(result)}`);
  }
  const headers: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = [String(value)];
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name] = values.map(String);
  const hasContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  if (!hasContentType) headers['Content-Type'] = ['application/json'];
  const body = result.body === undefined || result.body === null ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded === true ? 'base64' : 'utf8');
  for (const [name, values] of Object.entries(headers)) response.setHeader(name, values.length === 1 ? (values[0] as string) : values);
  response.setHeader('Content-Length', body.length);
  response.writeHead(result.statusCode);
  response.end(body);
}
