/**
 * Generates docs/openapi.json from the function manifest (routes, roles, request schemas) and
 * scripts/openapi/api-docs.ts (responses, refusals, prose). `npm run openapi` writes the file;
 * `npm run openapi -- --check` exits 1 when the committed file is not what this generates.
 * test/unit/openapi.test.ts holds the committed file to `buildOpenApiDocument()` as well.
 */
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as z from 'zod/mini';
import {
  apiInfo,
  bearerAuthDescription,
  codesWithRetryAfter,
  errorSchema,
  errorStatuses,
  responseSchemas,
  retryAfterHeader,
  routeDocs,
  servers,
  sharedText,
  tags,
  type Refusal,
  type RouteDocs,
} from './api-docs.ts';
import { httpFunctions, type HttpFunction } from '#shared/manifest';
import packageJson from '../../package.json' with { type: 'json' };

export type JsonSchema = { readonly [key: string]: unknown };

export interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
  readonly description?: string;
  readonly schema: JsonSchema;
}

export interface JsonContent {
  readonly 'application/json': { readonly schema: JsonSchema };
}

export interface Response {
  readonly description: string;
  readonly headers?: Readonly<Record<string, JsonSchema>>;
  readonly content?: JsonContent;
}

export type SecurityRequirement = Readonly<Record<string, readonly string[]>>;

export interface Operation {
  readonly operationId: string;
  readonly tags: readonly string[];
  readonly summary: string;
  readonly description: string;
  readonly security?: readonly SecurityRequirement[];
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly description?: string; readonly required: true; readonly content: JsonContent };
  readonly responses: Readonly<Record<string, Response>>;
}

export interface OpenApiDocument {
  readonly openapi: '3.0.3';
  readonly info: JsonSchema;
  readonly servers: readonly JsonSchema[];
  readonly security: readonly SecurityRequirement[];
  readonly tags: readonly JsonSchema[];
  readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>;
  readonly components: {
    readonly securitySchemes: Readonly<Record<string, JsonSchema>>;
    readonly headers: Readonly<Record<string, JsonSchema>>;
    readonly schemas: Readonly<Record<string, JsonSchema>>;
  };
}

const schemaRef = (id: string) => `#/components/schemas/${id}`;
const errorContent: JsonContent = { 'application/json': { schema: { $ref: schemaRef('Error') } } };
const bearerAuth: SecurityRequirement = { bearerAuth: [] };

/** What a client may send, in the OpenAPI 3.0 dialect, where `$schema` has no place. */
function requestSchemaOf(schema: z.ZodMiniType): JsonSchema {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'throw' });
  return json;
}

/**
 * A response schema states what we send today, and a client reads it as a promise: zod's
 * `additionalProperties: false` would make every new field a breaking change, and its safe-integer
 * bounds on `z.int()` are noise, so both are dropped. A nullable enum lists `null` among its
 * values, or validators that check `enum` first refuse the null it allows.
 */
const responseOptions = {
  target: 'openapi-3.0',
  io: 'output',
  unrepresentable: 'throw',
  override: ({ jsonSchema }) => {
    const json = jsonSchema as Record<string, unknown>;
    if (json['additionalProperties'] === false) delete json['additionalProperties'];
    if (json['maximum'] === Number.MAX_SAFE_INTEGER) delete json['maximum'];
    if (json['minimum'] === Number.MIN_SAFE_INTEGER) delete json['minimum'];
    const values = json['enum'];
    if (json['nullable'] === true && Array.isArray(values) && !values.includes(null)) json['enum'] = [...values, null];
  },
} as const satisfies z.core.ToJSONSchemaParams;

function responseComponents(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(responseSchemas, { ...responseOptions, metadata: responseSchemas, uri: schemaRef });
  // zod files a schema it must reference but was given no id for (a cycle) under `__shared`, which has no place in the document.
  if ('__shared' in schemas) throw new Error('A response schema is reused without a component id');
  return Object.fromEntries(Object.entries(schemas).map(([id, { $id: _ignored, ...schema }]) => [id, schema as JsonSchema]));
}

/** A schema outside the registry (a header's), converted as the response components are. */
function responseSchemaOf(schema: z.ZodMiniType): JsonSchema {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, responseOptions);
  return json;
}

function componentIdOf(schema: z.ZodMiniType, route: string): string {
  const id = responseSchemas.get(schema)?.id;
  if (id === undefined) throw new Error(`${route}: the success schema is not a named component of api-docs`);
  return id;
}

const capitalized = (name: string, separator: string) =>
  name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join(separator);

/** `idempotency-key` → `Idempotency-Key`: the manifest keys headers in lower case, as the handlers read them. */
const headerName = (name: string) => capitalized(name, '-');

function objectProperties(schema: z.ZodMiniType, where: string): { properties: Record<string, JsonSchema>; required: string[] } {
  const json = requestSchemaOf(schema);
  if (json['type'] !== 'object') throw new Error(`${where} is not an object schema`);
  return {
    properties: (json['properties'] ?? {}) as Record<string, JsonSchema>,
    required: (json['required'] ?? []) as string[],
  };
}

function parametersOf(fn: HttpFunction, docs: RouteDocs): Parameter[] {
  const described = { ...docs.parameters };
  const parameter = (name: string, location: Parameter['in'], required: boolean, schema: JsonSchema, key = name): Parameter => {
    const description = described[key];
    delete described[key];
    return { name, in: location, required, ...(description === undefined ? {} : { description }), schema };
  };

  const placeholders = [...fn.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
  const path = fn.request.params ? objectProperties(fn.request.params, `${fn.name} params`) : { properties: {}, required: [] };
  const declared = Object.keys(path.properties);
  if (placeholders.join() !== declared.join() || !declared.every((name) => path.required.includes(name))) {
    throw new Error(`${fn.name}: path ${fn.path} and its params schema (${declared.join(', ')}) disagree`);
  }

  const query = fn.request.query ? objectProperties(fn.request.query, `${fn.name} query`) : { properties: {}, required: [] };

  const parameters = [
    ...Object.entries(path.properties).map(([name, schema]) => parameter(name, 'path', true, schema)),
    ...Object.entries(query.properties).map(([name, schema]) => parameter(name, 'query', query.required.includes(name), schema)),
    // The handler validates a declared header only when it is sent: none is required.
    ...Object.entries(fn.request.headers ?? {}).map(([name, schema]) => parameter(headerName(name), 'header', false, requestSchemaOf(schema), name)),
  ];
  const unknown = Object.keys(described);
  if (unknown.length > 0) throw new Error(`${fn.name}: api-docs describes parameters it does not take: ${unknown.join(', ')}`);
  return parameters;
}

/** Every refusal of a route by code, the shared ones first, in the order a reader meets them. */
function refusalsOf(fn: HttpFunction, docs: RouteDocs): Map<Refusal['code'], string[]> {
  const cases = new Map<Refusal['code'], string[]>();
  const add = (code: Refusal['code'], when: string) => cases.set(code, [...(cases.get(code) ?? []), when]);

  // Public routes are served without authentication or input validation (publicRoute).
  if (fn.roles !== 'public') {
    if (fn.request.body) add('VALIDATION_ERROR', sharedText.body);
    if (fn.request.params) add('VALIDATION_ERROR', sharedText.params);
    add('VALIDATION_ERROR', fn.request.query ? sharedText.query : sharedText.noQuery);
    for (const name of Object.keys(fn.request.headers ?? {})) add('VALIDATION_ERROR', sharedText.header(headerName(name)));
    add('UNAUTHORIZED', sharedText.unauthorized);
    add('FORBIDDEN', sharedText.forbidden(fn.roles));
  }
  for (const { code, when } of docs.refusals ?? []) add(code, when);
  // Any route that reads the table or commands a door can meet a dependency that does not answer in time.
  if (fn.needs.table !== undefined || fn.needs.doors === true) add('TRY_AGAIN', sharedText.unknownOutcome);

  // A guessable route counts attempts; a route may also limit its own use (reissue-code: 3 an hour).
  if (fn.guessable === true && !cases.has('TOO_MANY_ATTEMPTS')) {
    throw new Error(`${fn.name}: a guessable route documents TOO_MANY_ATTEMPTS`);
  }
  for (const code of codesWithRetryAfter) if (cases.has(code)) add(code, sharedText.retryAfter);
  add('TOO_MANY_REQUESTS', sharedText.throttled(fn.guessable === true));
  return cases;
}

const isSentWithRetryAfter = (code: Refusal['code']) => (codesWithRetryAfter as readonly Refusal['code'][]).includes(code);

function responsesOf(fn: HttpFunction, docs: RouteDocs): Record<string, Response> {
  const { success } = docs;
  const responses: Record<string, Response> = {
    [success.status]:
      success.status === 204
        ? { description: success.description }
        : {
            description: success.description,
            content: { 'application/json': { schema: { $ref: schemaRef(componentIdOf(success.schema, fn.name)) } } },
          },
  };

  const cases = refusalsOf(fn, docs);
  const byStatus = new Map<number, Refusal['code'][]>();
  for (const code of cases.keys()) {
    const status = errorStatuses[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const sentences = codes.map((code) => `${code}: ${(cases.get(code) ?? []).join('; ')}.`);
    if (status === 400) sentences.push(sharedText.details);
    responses[status] = {
      description: sentences.join(' '),
      ...(codes.some((code) => isSentWithRetryAfter(code)) ? { headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } } : {}),
      content: errorContent,
    };
  }
  return responses;
}

function operationOf(fn: HttpFunction, docs: RouteDocs, requestBodyId: string): Operation {
  const parameters = parametersOf(fn, docs);
  const who = fn.roles === 'public' ? sharedText.public : sharedText.roles(fn.roles);
  return {
    operationId: fn.name,
    tags: [docs.tag],
    summary: fn.summary,
    description: docs.description === undefined ? who : `${who} ${docs.description}`,
    // Authenticated routes inherit the document's bearer requirement; a public one opts out.
    ...(fn.roles === 'public' ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(fn.request.body
      ? {
          requestBody: {
            ...(docs.requestBody === undefined ? {} : { description: docs.requestBody }),
            required: true as const,
            content: { 'application/json': { schema: { $ref: schemaRef(requestBodyId) } } },
          },
        }
      : {}),
    responses: responsesOf(fn, docs),
  };
}

function docsOf(fn: HttpFunction): RouteDocs {
  const docs: Readonly<Record<string, RouteDocs>> = routeDocs;
  const found = Object.hasOwn(docs, fn.name) ? docs[fn.name] : undefined;
  if (found === undefined) throw new Error(`${fn.name}: no entry in scripts/openapi/api-docs.ts`);
  return found;
}

/** The whole document, from the manifest and api-docs alone: no I/O, the same on every run. */
export function buildOpenApiDocument(): OpenApiDocument {
  const schemas = responseComponents();
  if (!Object.hasOwn(schemas, 'Error') || responseSchemas.get(errorSchema)?.id !== 'Error') {
    throw new Error('api-docs must name the error schema `Error`');
  }
  const documented = new Set(Object.keys(routeDocs));
  const paths: Record<string, Record<string, Operation>> = {};

  for (const fn of httpFunctions) {
    const docs = docsOf(fn);
    documented.delete(fn.name);
    const requestBodyId = `${capitalized(fn.name, '')}Request`;
    if (fn.request.body) {
      if (Object.hasOwn(schemas, requestBodyId)) throw new Error(`${requestBodyId} is already a component`);
      schemas[requestBodyId] = requestSchemaOf(fn.request.body);
    }
    const item = (paths[fn.path] ??= {});
    const method = fn.method.toLowerCase();
    if (item[method] !== undefined) throw new Error(`${fn.method} ${fn.path} is served by two functions`);
    item[method] = operationOf(fn, docs, requestBodyId);
  }
  if (documented.size > 0) throw new Error(`api-docs documents functions the manifest lacks: ${[...documented].join(', ')}`);

  const { schema: retryAfterSchema, ...retryAfter } = retryAfterHeader;
  return {
    openapi: '3.0.3',
    info: { title: apiInfo.title, version: packageJson.version, description: apiInfo.description, license: apiInfo.license },
    servers,
    security: [bearerAuth],
    tags,
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: bearerAuthDescription } },
      headers: { RetryAfter: { ...retryAfter, required: false, schema: responseSchemaOf(retryAfterSchema) } },
      schemas,
    },
  };
}

export const documentPath = fileURLToPath(new URL('../../docs/openapi.json', import.meta.url));

export function renderOpenApiDocument(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}

function main(args: readonly string[]): void {
  const rendered = renderOpenApiDocument();
  if (args.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(documentPath, 'utf8');
    } catch {
      // A missing file is simply not current.
    }
    if (committed !== rendered) {
      console.error('docs/openapi.json is not current: run `npm run openapi` and commit the result.');
      process.exitCode = 1;
      return;
    }
    console.log('docs/openapi.json is current.');
    return;
  }
  writeFileSync(documentPath, rendered);
  console.log('Wrote docs/openapi.json.');
}

const invokedPath = process.argv[1];
if (invokedPath !== undefined && realpathSync(invokedPath) === realpathSync(fileURLToPath(import.meta.url))) {
  main(process.argv.slice(2));
}
