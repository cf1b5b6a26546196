import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { routes, type RouteDefinition } from '#shared/http/routes';
import { identifier, idempotencyKey, listParcelsQuery, requestBodies, type RequestBodyRoute } from '#shared/http/schemas';

/**
 * docs/openapi.json is written by hand and checked in; these tests hold it to the route manifest
 * and the zod schemas the handlers validate with, so the document cannot drift from what is served.
 */

type JsonObject = { readonly [key: string]: unknown };

interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly schema?: unknown;
}

interface Response {
  readonly headers?: Record<string, unknown>;
  readonly content?: Record<string, { readonly schema?: unknown }>;
}

interface Operation {
  readonly operationId?: string;
  readonly description?: string;
  readonly security?: readonly Record<string, readonly string[]>[];
  readonly parameters?: readonly unknown[];
  readonly requestBody?: unknown;
  readonly responses?: Record<string, unknown>;
}

interface OpenApiDocument {
  readonly openapi?: unknown;
  readonly info?: { readonly title?: unknown; readonly version?: unknown };
  readonly security?: unknown;
  readonly paths?: Record<string, JsonObject>;
  readonly components?: { readonly securitySchemes?: Record<string, unknown> };
}

const operationMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const document = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8')) as OpenApiDocument;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Follows a local JSON pointer (`#/components/schemas/Error`); undefined when it leads nowhere. */
function resolvePointer(ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), document);
}

/** The node with every `$ref` replaced by what it points to, so schemas compare by content. */
function inlineRefs(node: unknown, depth = 0): unknown {
  if (depth > 32) throw new Error('Too deeply nested $ref chain (a cycle?)');
  if (Array.isArray(node)) return node.map((child) => inlineRefs(child, depth));
  if (!isObject(node)) return node;
  const ref = node['$ref'];
  if (typeof ref === 'string') {
    const target = resolvePointer(ref);
    if (target === undefined) throw new Error(`Unresolved $ref ${ref}`);
    return inlineRefs(target, depth + 1);
  }
  return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, inlineRefs(child, depth)]));
}

function operations(): { readonly key: string; readonly path: string; readonly method: string; readonly operation: Operation }[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    operationMethods
      .filter((method) => isObject(item[method]))
      .map((method) => ({ key: `${method.toUpperCase()} ${path}`, path, method, operation: item[method] as Operation })),
  );
}

const routeKey = (route: RouteDefinition) => `${route.method} ${route.path}`;

function operationOf(route: RouteDefinition): Operation {
  const operation = document.paths?.[route.path]?.[route.method.toLowerCase()];
  if (!isObject(operation)) throw new Error(`${routeKey(route)} is not in docs/openapi.json`);
  return operation as Operation;
}

/** Path-level and operation-level parameters together, with `$ref`s followed. */
function parametersOf(route: RouteDefinition): Parameter[] {
  const shared = document.paths?.[route.path]?.['parameters'];
  const all = [...(Array.isArray(shared) ? shared : []), ...(operationOf(route).parameters ?? [])];
  return all.map((parameter) => inlineRefs(parameter) as Parameter);
}

/** What zod says a client may send, in the OpenAPI 3.0 dialect; `$schema` has no place in an OpenAPI schema. */
function openApiSchemaOf(schema: z.core.$ZodType): JsonObject {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'throw' });
  return json;
}

function jsonBodySchemaOf(route: RouteDefinition): unknown {
  const requestBody = inlineRefs(operationOf(route).requestBody);
  if (!isObject(requestBody) || requestBody['required'] !== true) throw new Error(`${routeKey(route)} documents no required request body`);
  const content = requestBody['content'];
  const media = isObject(content) ? content['application/json'] : undefined;
  if (!isObject(media)) throw new Error(`${routeKey(route)} documents no application/json request body`);
  return media['schema'];
}

const hasBodySchema = (route: RouteDefinition): boolean => Object.hasOwn(requestBodies, route.name);
const routesWithBody = routes.filter(hasBodySchema);
const routeNamed = (name: string): RouteDefinition => {
  const route = routes.find((candidate) => candidate.name === name);
  if (!route) throw new Error(`No route named ${name}`);
  return route;
};

describe('docs/openapi.json', () => {
  describe('routes', () => {
    it('documents every route the service serves', () => {
      // Prepare
      const documented = new Set(operations().map(({ key }) => key));

      // Act
      const missingFromDocument = routes.map(routeKey).filter((key) => !documented.has(key));

      // Assess
      expect(missingFromDocument).toEqual([]);
    });

    it('documents no operation the service does not serve', () => {
      // Prepare
      const served = new Set(routes.map(routeKey));

      // Act
      const notServed = operations()
        .map(({ key }) => key)
        .filter((key) => !served.has(key));

      // Assess
      expect(notServed).toEqual([]);
    });

    it('declares each path placeholder as a required path parameter validated like the handlers', () => {
      // Prepare
      const expected = routes.flatMap((route) =>
        [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
          route: routeKey(route),
          name: match[1],
          in: 'path',
          required: true,
          schema: openApiSchemaOf(identifier),
        })),
      );

      // Act
      const documented = routes.flatMap((route) =>
        parametersOf(route)
          .filter((parameter) => parameter.in === 'path')
          .map((parameter) => ({ route: routeKey(route), name: parameter.name, in: parameter.in, required: parameter.required, schema: parameter.schema })),
      );

      // Assess
      expect(documented).toEqual(expected);
    });

    it('declares the list-parcels query parameters as listParcelsQuery validates them, and none elsewhere', () => {
      // Prepare
      const query = openApiSchemaOf(listParcelsQuery);
      const properties = (query['properties'] ?? {}) as Record<string, unknown>;
      const required = (query['required'] ?? []) as string[];
      const expected = Object.entries(properties).map(([name, schema]) => ({
        route: 'GET /parcels',
        name,
        required: required.includes(name),
        schema,
      }));

      // Act
      const documented = routes.flatMap((route) =>
        parametersOf(route)
          .filter((parameter) => parameter.in === 'query')
          .map((parameter) => ({ route: routeKey(route), name: parameter.name, required: parameter.required ?? false, schema: parameter.schema })),
      );

      // Assess
      expect(documented).toEqual(expected);
    });

    it('declares the optional Idempotency-Key header of store-parcel as the handler validates it', () => {
      // Prepare
      const storeParcel = routeNamed('store-parcel');

      // Act
      const headers = parametersOf(storeParcel).filter((parameter) => parameter.in === 'header');

      // Assess
      expect(headers).toEqual([expect.objectContaining({ name: 'Idempotency-Key', required: false, schema: openApiSchemaOf(idempotencyKey) })]);
    });
  });

  describe('request bodies', () => {
    it.each(routesWithBody.map((route) => [routeKey(route), route] as const))(
      'describes the body of %s exactly as its zod schema does',
      (_key, route) => {
        // Prepare
        const expected = openApiSchemaOf(requestBodies[route.name as RequestBodyRoute]);

        // Act
        const documented = inlineRefs(jsonBodySchemaOf(route));

        // Assess
        expect(documented).toEqual(expected);
      },
    );

    it('documents no request body on routes that take none', () => {
      // Prepare
      const withoutBody = routes.filter((route) => !hasBodySchema(route));

      // Act
      const documentingABody = withoutBody.filter((route) => operationOf(route).requestBody !== undefined).map(routeKey);

      // Assess
      expect(documentingABody).toEqual([]);
    });
  });

  describe('security', () => {
    it('requires a bearer JWT by default', () => {
      // Prepare
      const schemes = document.components?.securitySchemes ?? {};

      // Act
      const globalSecurity = document.security;

      // Assess
      expect(globalSecurity).toEqual([{ bearerAuth: [] }]);
      expect(schemes['bearerAuth']).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }));
    });

    it('lets anyone call the routes the manifest marks unauthenticated', () => {
      // Prepare
      const open = routes.filter((route) => !route.authenticated);

      // Act
      const documented = open.map((route) => ({ route: routeKey(route), security: operationOf(route).security }));

      // Assess
      expect(documented).toEqual(open.map((route) => ({ route: routeKey(route), security: [] })));
    });

    it('leaves every authenticated route to the global bearer requirement', () => {
      // Prepare
      const authenticated = routes.filter((route) => route.authenticated);

      // Act
      const overriding = authenticated.filter((route) => operationOf(route).security !== undefined).map(routeKey);

      // Assess
      expect(overriding).toEqual([]);
    });

    it('documents 401 and 403 on every authenticated route', () => {
      // Prepare
      const authenticated = routes.filter((route) => route.authenticated);

      // Act
      const missing = authenticated.flatMap((route) =>
        ['401', '403'].filter((status) => operationOf(route).responses?.[status] === undefined).map((status) => `${routeKey(route)} ${status}`),
      );

      // Assess
      expect(missing).toEqual([]);
    });
  });

  describe('responses', () => {
    it('answers every error with the shared Error schema', () => {
      // Prepare
      const errors = operations().flatMap(({ key, operation }) =>
        Object.entries(operation.responses ?? {})
          .filter(([status]) => Number(status) >= 400)
          .map(([status, response]) => ({ response: `${key} ${status}`, content: (followRef(response) as Response).content })),
      );

      // Act
      const expected = errors.map(({ response }) => ({
        response,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      }));

      // Assess
      expect(errors.length).toBeGreaterThan(0);
      expect(errors).toEqual(expected);
    });

    it('sends Retry-After with every 429', () => {
      // Prepare
      const tooMany = operations().flatMap(({ key, operation }) => {
        const response = operation.responses?.['429'];
        return response === undefined ? [] : [{ key, response: inlineRefs(response) as Response }];
      });

      // Act
      const withoutRetryAfter = tooMany.filter(({ response }) => !isObject(response.headers?.['Retry-After'])).map(({ key }) => key);

      // Assess
      expect(tooMany.length).toBeGreaterThan(0);
      expect(withoutRetryAfter).toEqual([]);
    });

    it('gives every operation a unique operationId and a description of who may call it', () => {
      // Prepare
      const all = operations();

      // Act
      const ids = all.map(({ operation }) => operation.operationId);
      const undescribed = all.filter(({ operation }) => !operation.description?.trim()).map(({ key }) => key);

      // Assess
      expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      expect(undescribed).toEqual([]);
    });
  });

  describe('structure', () => {
    it('declares OpenAPI 3.0 with a title and a version', () => {
      // Prepare
      const { openapi, info } = document;

      // Act
      const header = { openapi, title: info?.title, version: info?.version };

      // Assess
      expect(header).toEqual({ openapi: expect.stringMatching(/^3\.0\.\d+$/), title: expect.any(String), version: expect.any(String) });
    });

    it('resolves every $ref in the document', () => {
      // Prepare
      const refs: string[] = [];
      const collect = (node: unknown): void => {
        if (Array.isArray(node)) node.forEach(collect);
        else if (isObject(node)) {
          if (typeof node['$ref'] === 'string') refs.push(node['$ref']);
          Object.values(node).forEach(collect);
        }
      };

      // Act
      collect(document);
      const unresolved = refs.filter((ref) => resolvePointer(ref) === undefined);

      // Assess
      expect(refs.length).toBeGreaterThan(0);
      expect(unresolved).toEqual([]);
    });

    it('gives every operation at least one success response', () => {
      // Prepare
      const all = operations();

      // Act
      const withoutSuccess = all
        .filter(({ operation }) => !Object.keys(operation.responses ?? {}).some((status) => /^2\d\d$/.test(status)))
        .map(({ key }) => key);

      // Assess
      expect(all.length).toBeGreaterThan(0);
      expect(withoutSuccess).toEqual([]);
    });
  });
});

/** A response may itself be a `$ref` to components/responses; its schema stays a `$ref`, which is what is compared. */
function followRef(node: unknown): unknown {
  return isObject(node) && typeof node['$ref'] === 'string' ? resolvePointer(node['$ref']) : node;
}
