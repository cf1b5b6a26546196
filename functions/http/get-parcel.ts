import { httpRoute } from '#shared/http/handler';
import { pathParameters } from '#shared/http/schemas';
import { getParcel } from '#shared/use-cases/parcels';

export const handler = httpRoute(
  { roles: ['customer', 'carrier', 'admin'], params: pathParameters.parcel },
  async ({ actor, params }, deps) => ({ statusCode: 200, body: await getParcel(deps, actor, params.parcelId) }),
);
