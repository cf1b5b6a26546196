import * as z from 'zod/mini';
import type { Actor, Role } from '#shared/domain/actor';
import { getDeps } from '#shared/runtime';
import type { Deps } from '#shared/use-cases/deps';
import { withMiddleware } from './middleware.ts';
import { actorFrom, authorize, parseJsonBody, validate } from './request.ts';
import { jsonResponse } from './response.ts';

export interface HttpRequest<Body, Params, Query> {
  readonly actor: Actor;
  readonly body: Body;
  readonly params: Params;
  readonly query: Query;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface HttpResult {
  readonly statusCode: number;
  readonly body?: unknown;
}

interface RouteOptions<Body, Params, Query> {
  readonly roles: readonly Role[];
  readonly body?: z.ZodMiniType<Body>;
  readonly params?: z.ZodMiniType<Params>;
  readonly query?: z.ZodMiniType<Query>;
}

const noInput = z.looseObject({});
const emptyQuery = z.strictObject({});

/**
 * The middy stack every authenticated route shares. Before the route's function runs, the
 * caller is authenticated and authorized and the body, path and query are parsed and validated,
 * each failure a typed error that `errorResponses` maps to one 4xx. The function itself only
 * calls its use case and shapes the result.
 */
export function httpRoute<Body = undefined, Params = Record<string, unknown>, Query = Record<string, never>>(
  options: RouteOptions<Body, Params, Query>,
  fn: (request: HttpRequest<Body, Params, Query>, deps: Deps) => Promise<HttpResult>,
) {
  return withMiddleware(async (event) => {
    const actor = actorFrom(event);
    authorize(actor, options.roles);
    const params = validate(options.params ?? (noInput as unknown as z.ZodMiniType<Params>), event.pathParameters ?? {}, 'path');
    const query = validate(options.query ?? (emptyQuery as unknown as z.ZodMiniType<Query>), event.queryStringParameters ?? {}, 'query');
    const body = options.body ? validate(options.body, parseJsonBody(event), 'body') : (undefined as Body);
    const result = await fn({ actor, body, params, query, headers: event.headers ?? {} }, await getDeps());
    return jsonResponse(result.statusCode, result.body);
  });
}
