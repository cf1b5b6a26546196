import { httpFunction } from '#shared/http/handler';
import { manifest } from '#shared/manifest';
import { getParcel } from '#shared/use-cases/get-parcel';

export const handler = httpFunction(manifest['get-parcel'],
  async ({ actor, params }, ports) => ({ statusCode: 200, body: await getParcel(ports, actor, params.parcelId) }),
);
