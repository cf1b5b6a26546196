import { httpRoute } from '#shared/http/handler';
import { pathParameters } from '#shared/http/schemas';
import { removeLocker } from '#shared/use-cases/locations';

export const handler = httpRoute({ roles: ['admin'], params: pathParameters.locker }, async ({ actor, params }, deps) => {
  await removeLocker(deps, actor, params.locationId, params.lockerId);
  return { statusCode: 204 };
});
