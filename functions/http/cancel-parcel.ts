import { httpFunction } from '#shared/http/handler';
import { manifest } from '#shared/manifest';
import { cancelParcel } from '#shared/use-cases/release-parcel';

export const handler = httpFunction(manifest['cancel-parcel'], async ({ actor, params }, ports) => ({
  statusCode: 200,
  body: await cancelParcel(ports, actor, params.parcelId),
}));
