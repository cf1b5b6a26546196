import { httpFunction } from '#shared/http/handler';
import { manifest } from '#shared/manifest';
import { reissuePickupCode } from '#shared/use-cases/reissue-code';

export const handler = httpFunction(manifest['reissue-code'], async ({ actor, params }, ports) => ({
  statusCode: 200,
  body: await reissuePickupCode(ports, actor, params.parcelId),
}));
