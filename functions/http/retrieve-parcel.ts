import { httpRoute } from '#shared/http/handler';
import { pathParameters, requestBodies } from '#shared/http/schemas';
import { retrieveParcel } from '#shared/use-cases/parcels';

export const handler = httpRoute(
  { roles: ['customer'], params: pathParameters.parcel, body: requestBodies['retrieve-parcel'] },
  async ({ actor, params, body }, deps) => ({
    statusCode: 200,
    body: await retrieveParcel(deps, actor, params.parcelId, body.pickupCode),
  }),
);
