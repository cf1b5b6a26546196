import { httpRoute } from '#shared/http/handler';
import { pathParameters } from '#shared/http/schemas';
import { returnParcel } from '#shared/use-cases/parcels';

export const handler = httpRoute({ roles: ['carrier', 'admin'], params: pathParameters.parcel }, async ({ actor, params }, deps) => ({
  statusCode: 200,
  body: await returnParcel(deps, actor, params.parcelId),
}));
