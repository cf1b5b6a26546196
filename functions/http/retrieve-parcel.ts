import { httpFunction } from '#shared/http/handler';
import { manifest } from '#shared/manifest';
import { retrieveParcel } from '#shared/use-cases/retrieve-parcel';

export const handler = httpFunction(manifest['retrieve-parcel'],
  async ({ actor, params, body }, ports) => ({
    statusCode: 202,
    body: await retrieveParcel(ports, actor, params.parcelId, body.pickupCode),
  }),
);
