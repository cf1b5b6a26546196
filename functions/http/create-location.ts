import { httpRoute } from '#shared/http/handler';
import { requestBodies } from '#shared/http/schemas';
import { createLocation } from '#shared/use-cases/locations';

export const handler = httpRoute({ roles: ['admin'], body: requestBodies['create-location'] }, async ({ actor, body }, deps) => ({
  statusCode: 201,
  body: await createLocation(deps, actor, body),
}));
