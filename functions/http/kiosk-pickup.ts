import { httpRoute } from '#shared/http/handler';
import { pathParameters, requestBodies } from '#shared/http/schemas';
import { kioskPickup } from '#shared/use-cases/parcels';

export const handler = httpRoute(
  { roles: ['kiosk'], params: pathParameters.location, body: requestBodies['kiosk-pickup'] },
  async ({ actor, params, body }, deps) => ({
    statusCode: 200,
    body: await kioskPickup(deps, actor, params.locationId, body.pickupCode),
  }),
);
