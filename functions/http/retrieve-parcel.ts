import { httpFunction } from '#shared/http/handler';
import { manifest } from '#shared/manifest';
import { retrieveParcel } from '#shared/use-cases/parcels';

export const handler = httpFunction(manifest['retrieve-parcel'],
  async ({ actor, params, body }, ports) => ({
    statusCode: 200,
    body: await retrieveParcel(ports, actor, params.parcelId, body.pickupCode),
  }),
);
