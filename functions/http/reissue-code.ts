import { httpRoute } from '#shared/http/handler';
import { pathParameters } from '#shared/http/schemas';
import { reissuePickupCode } from '#shared/use-cases/parcels';

export const handler = httpRoute({ roles: ['customer'], params: pathParameters.parcel }, async ({ actor, params }, deps) => ({
  statusCode: 200,
  body: await reissuePickupCode(deps, actor, params.parcelId),
}));
