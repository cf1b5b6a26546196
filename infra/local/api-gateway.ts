import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { httpFunctions } from '#shared/manifest';
import { errorTemplate, gatewayResponses } from '#infra/constructs/gateway-responses';
import { toAuthorizerClaims, verifyToken } from './auth.ts';
import type { AssemblyGatewayResponse, AssemblyRoute as ApiRoute } from './cloud-assembly/read.ts';
import { localAccountId, type LambdaRuntime } from './lambda/runtime.ts';
import { LocalRouteError, type LocalRoutes } from './local-routes.ts';

export type { ApiRoute };

/**
 * A local stand-in for the deployed REST API (API Gateway v1): it matches routes, verifies tokens
 * as the Cognito authorizer does, turns HTTP requests into the Lambda proxy events the functions
 * receive, and answers for API Gateway itself (no route, no token, too large, the function failed
 * or took too long) with the gateway responses the API declares.
 */

/**
 * The most body the local gateway reads. API Gateway's REST limit is 10 MB, but no route takes more
 * than 16 KB (the handlers refuse more with a 400), so buffering megabytes for them would only let a
 * client make this development server hold memory. Four times the handlers' limit keeps their own
 * 400 visible locally for bodies just over it.
 */
export const maxPayloadBytes = 64 * 1024;
/** API Gateway gives up on an integration after 29 s. */
const integrationTimeoutMs = 29_000;

export interface RouteMatch {
  readonly route: ApiRoute;
  readonly pathParameters: Record<string, string> | null;
}

/** The REST API as the gateway serves it: from the manifest (`npm start`) or the synthesized template (`start:assembly`). */
export interface ApiDefinition {
  readonly stage: string;
  readonly routes: readonly ApiRoute[];
  readonly gatewayResponses: readonly AssemblyGatewayResponse[];
}

/** The API `npm start` serves: every HTTP function of the manifest, with the gateway responses the CDK deploys. */
export function apiFromManifest(stage = 'local'): ApiDefinition {
  return {
    stage,
    routes: httpFunctions.map((fn) => ({
      method: fn.method,
      path: fn.path,
      authorization: fn.roles === 'public' ? 'NONE' : 'COGNITO_USER_POOLS',
      functionName: fn.name,
    })),
    gatewayResponses: gatewayResponses.map((response) => ({
      type: response.type,
      ...(response.statusCode === undefined ? {} : { statusCode: Number(response.statusCode) }),
      template: errorTemplate(response.code, response.message),
      headers: {},
    })),
  };
}

/** Finds the route for a raw (still percent-encoded) path; parameters are decoded per segment, as API Gateway does. */
export function matchRoute(routes: readonly ApiRoute[], method: string, rawPath: string): RouteMatch | undefined {
  const segments = rawPath.split('/').slice(1);
  for (const route of routes) {
    const pattern = route.path.split('/').slice(1);
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
  const headerValues = new Map<string, string[]>();
  for (let index = 0; index + 1 < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index] as string;
    const value = request.rawHeaders[index + 1] as string;
    headerValues.set(name, [...(headerValues.get(name) ?? []), value]);
  }
  // The single-value maps keep the last occurrence, like API Gateway.
  const headers = lastValues(headerValues);
  const multiValueHeaders = ownProperties(headerValues);
  const query = multiValueQuery(request.rawQuery);
  const headerValue = (wanted: string) => Object.entries(headers).find(([name]) => name.toLowerCase() === wanted)?.[1];
  const domainName = headerValue('host') ?? 'localhost';

  return {
    resource: match.route.path,
    path: request.rawPath,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query === null ? null : lastValues(query),
    multiValueQueryStringParameters: query === null ? null : ownProperties(query),
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

function multiValueQuery(rawQuery: string): Map<string, string[]> | null {
  if (rawQuery === '') return null;
  const values = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(rawQuery)) values.set(name, [...(values.get(name) ?? []), value]);
  return values.size === 0 ? null : values;
}

/*
 * Names come from the client, and `__proto__`, `constructor` or `toString` are names too: they are
 * collected in a Map and become own properties through Object.fromEntries, never by assignment
 * into an object literal, where they would reach Object.prototype's members instead.
 */
function ownProperties(values: ReadonlyMap<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(values);
}

function lastValues(values: ReadonlyMap<string, string[]>): Record<string, string> {
  return Object.fromEntries([...values].map(([name, list]) => [name, list.at(-1) as string]));
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `requestTime` uses the access-log format: `09/Apr/2015:12:34:56 +0000`. */
function clfTime(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** An answer API Gateway gives itself, by its gateway-response type. */
class GatewayAnswer extends Error {
  constructor(
    readonly type: string,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

const answers = {
  noRoute: () => new GatewayAnswer('MISSING_AUTHENTICATION_TOKEN', 403, 'Missing Authentication Token'),
  unauthorized: () => new GatewayAnswer('UNAUTHORIZED', 401, 'Unauthorized'),
  tooLarge: () => new GatewayAnswer('REQUEST_TOO_LARGE', 413, 'Request Too Long'),
  functionFailed: () => new GatewayAnswer('DEFAULT_5XX', 502, 'Internal server error'),
  timedOut: () => new GatewayAnswer('INTEGRATION_TIMEOUT', 504, 'Endpoint request timed out'),
};

export interface LocalGateway {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly api: ApiDefinition;
  readonly lambda: Pick<LambdaRuntime, 'invoke'>;
  /** The `/_local/…` routes of the local stack; omitted, they answer 404. */
  readonly localRoutes?: LocalRoutes;
}

export async function startGateway(options: GatewayOptions): Promise<LocalGateway> {
  const server = createServer((request, response) => {
    void serve(request, response, options);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
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

async function serve(incoming: IncomingMessage, response: ServerResponse, options: GatewayOptions): Promise<void> {
  const requestId = randomUUID();
  const requestTimeEpoch = Date.now();
  const method = incoming.method ?? 'GET';
  const target = incoming.url ?? '/';
  const queryStart = target.indexOf('?');
  const rawPath = queryStart === -1 ? target : target.slice(0, queryStart);
  const rawQuery = queryStart === -1 ? '' : target.slice(queryStart + 1);
  response.setHeader('x-amzn-RequestId', requestId);
  try {
    if (rawPath.startsWith('/_local/')) {
      const body = await readBody(incoming);
      writeJson(response, 200, await (options.localRoutes ?? noLocalRoutes)(method, rawPath, body, rawQuery));
      return;
    }
    const match = matchRoute(options.api.routes, method, rawPath);
    if (match === undefined) throw answers.noRoute();
    if (match.route.mock !== undefined) {
      incoming.resume();
      response.writeHead(match.route.mock.statusCode, match.route.mock.headers);
      response.end();
      return;
    }
    // The authorizer runs before the body is read: an unauthenticated client cannot make the gateway buffer 10 MB.
    const claims = match.route.authorization === 'COGNITO_USER_POOLS' ? await authorize(incoming.headers.authorization) : null;
    const body = await readBody(incoming);
    const event = buildProxyEvent({
      match,
      request: { method, rawPath, rawQuery, rawHeaders: incoming.rawHeaders, body, sourceIp: incoming.socket.remoteAddress ?? '127.0.0.1', requestId, requestTimeEpoch },
      claims,
      stage: options.api.stage,
    });
    const result = await invokeWithin(options.lambda, match.route.functionName ?? '', event);
    writeProxyResult(response, result as APIGatewayProxyResult | undefined);
  } catch (error) {
    if (error instanceof LocalRouteError) {
      writeJson(response, error.statusCode, { error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } });
      return;
    }
    const answer = error instanceof GatewayAnswer ? error : answers.functionFailed();
    if (!(error instanceof GatewayAnswer)) console.error(`[api-gateway] ${method} ${rawPath}: the integration failed`, error);
    // An unauthenticated or oversized body is left unread, so the connection cannot carry another request.
    if (answer.statusCode === 413 || answer.statusCode === 401) response.setHeader('Connection', 'close');
    if (response.headersSent) response.destroy();
    else writeGatewayResponse(response, options.api.gatewayResponses, answer);
  }
}

const noLocalRoutes: LocalRoutes = async (method, path) => {
  throw new LocalRouteError(404, 'NOT_FOUND', `No route for ${method} ${path}`);
};

/** API Gateway stops waiting after 29 s and answers 504; the function itself may run on. */
async function invokeWithin(lambda: Pick<LambdaRuntime, 'invoke'>, functionName: string, event: unknown): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(answers.timedOut()), integrationTimeoutMs);
  });
  try {
    return await Promise.race([lambda.invoke(functionName, event, { callerTimeoutMs: integrationTimeoutMs }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads the body up to the cap: a declared length over it is refused before a byte is read, a body
 * that grows past it (chunked, or longer than declared) as soon as it does. The rest is left
 * unread, paused rather than destroyed, so the 413 can still be written on the socket.
 */
function readBody(incoming: IncomingMessage): Promise<string | null> {
  const declared = Number(incoming.headers['content-length'] ?? 0);
  if (declared > maxPayloadBytes) return Promise.reject(answers.tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      incoming.off('data', onData).off('end', onEnd).off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxPayloadBytes) {
        chunks.push(chunk);
        return;
      }
      stop();
      incoming.pause();
      reject(answers.tooLarge());
    };
    const onEnd = () => {
      stop();
      resolve(size === 0 ? null : Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    incoming.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/** The Cognito authorizer reads the `Authorization` header: the bare token or `Bearer <token>`. */
async function authorize(header: string | undefined): Promise<Record<string, string>> {
  const token = header?.replace(/^Bearer\s+/i, '').trim();
  if (token === undefined || token === '') throw answers.unauthorized();
  const verified = await verifyToken(token);
  if (!verified.ok) throw answers.unauthorized();
  return toAuthorizerClaims(verified.claims);
}

/**
 * Renders a gateway response as API Gateway does: the API's response for that type, else its
 * DEFAULT_4XX or DEFAULT_5XX, else API Gateway's built-in `{"message": …}`; `$context.error.messageString`
 * is the quoted message.
 */
function writeGatewayResponse(response: ServerResponse, declared: readonly AssemblyGatewayResponse[], answer: GatewayAnswer): void {
  const fallback = answer.statusCode >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX';
  const chosen = declared.find((candidate) => candidate.type === answer.type) ?? declared.find((candidate) => candidate.type === fallback);
  const template = chosen?.template ?? '{"message":$context.error.messageString}';
  const body = template
    .replaceAll('$context.error.messageString', JSON.stringify(answer.message))
    .replaceAll('$context.error.message', answer.message);
  for (const [name, value] of Object.entries(chosen?.headers ?? {})) response.setHeader(name, value);
  response.setHeader('Content-Type', 'application/json');
  response.setHeader('Content-Length', Buffer.byteLength(body));
  response.writeHead(chosen?.statusCode ?? answer.statusCode);
  response.end(body);
}

function writeJson(response: ServerResponse, statusCode: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  response.writeHead(statusCode, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
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
