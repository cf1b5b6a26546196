import { httpRoute } from '#shared/http/handler';
import { pathParameters } from '#shared/http/schemas';
import { getLocation } from '#shared/use-cases/locations';

export const handler = httpRoute(
  { roles: ['admin', 'carrier', 'customer', 'kiosk'], params: pathParameters.location },
  async ({ actor, params }, deps) => ({ statusCode: 200, body: await getLocation(deps, actor, params.locationId) }),
);
