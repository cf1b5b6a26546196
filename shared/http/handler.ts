import * as z from 'zod/mini';
import type { Actor } from '#shared/domain/actor';
import type { HttpFunction, Needs } from '#shared/manifest';
import { portsFor, type PortsFor } from '#shared/runtime';
import { withMiddleware } from './middleware.ts';
import { actorFrom, authorize, parseJsonBody, validate } from './request.ts';
import { jsonResponse } from './response.ts';

export interface HttpRequest<Body, Params, Query> {
  readonly actor: Actor;
  readonly body: Body;
  readonly params: Params;
  readonly query: Query;
  /** Lower-cased names; those the manifest declares are validated. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface HttpResult {
  readonly statusCode: number;
  readonly body?: unknown;
}

const noInput = z.looseObject({});
const emptyQuery = z.strictObject({});

/**
 * The handler of one authenticated route of the manifest. Before `fn` runs, the caller is
 * authenticated and authorized for the route's roles, and the body, path, query and declared
 * headers are parsed and validated against the route's schemas, each failure a typed error that
 * `errorResponses` maps to one 4xx. `fn` gets exactly the ports the route declares, and only calls
 * its use case and shapes the result.
 */
export function httpFunction<N extends Needs, Body, Params, Query>(
  definition: HttpFunction<N, Body, Params, Query>,
  fn: (request: HttpRequest<Body, Params, Query>, ports: PortsFor<N>) => Promise<HttpResult>,
) {
  const { roles, request: schemas } = definition;
  if (roles === 'public') throw new Error(`${definition.name} is public: serve it with publicRoute`);
  return withMiddleware(async (event) => {
    const actor = actorFrom(event);
    authorize(actor, roles);
    const params = validate(schemas.params ?? (noInput as unknown as z.ZodMiniType<Params>), event.pathParameters ?? {}, 'path');
    const query = validate(schemas.query ?? (emptyQuery as unknown as z.ZodMiniType<Query>), event.queryStringParameters ?? {}, 'query');
    const body = schemas.body ? validate(schemas.body, parseJsonBody(event), 'body') : (undefined as Body);
    const headers: Record<string, string | undefined> = event.headers ?? {};
    for (const [name, schema] of Object.entries(schemas.headers ?? {})) {
      const value = headers[name];
      if (value !== undefined) validate(schema, value, `header.${name}`);
    }
    const result = await fn({ actor, body, params, query, headers }, await portsFor(definition));
    return jsonResponse(result.statusCode, result.body);
  });
}
