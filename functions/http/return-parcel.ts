import { httpFunction } from '#shared/http/handler';
import { manifest } from '#shared/manifest';
import { returnParcel } from '#shared/use-cases/release-parcel';

export const handler = httpFunction(manifest['return-parcel'], async ({ actor, params }, ports) => ({
  statusCode: 200,
  body: await returnParcel(ports, actor, params.parcelId),
}));
