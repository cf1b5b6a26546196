import { httpFunction } from '#shared/http/handler';
import { manifest } from '#shared/manifest';
import { storeParcel } from '#shared/use-cases/store-parcel';

export const handler = httpFunction(manifest['store-parcel'], async ({ actor, body, headers }, ports) => {
  // Validated by the stack against the manifest's header schema when present.
  const key = headers['idempotency-key'];
  return { statusCode: 201, body: await storeParcel(ports, actor, { ...body, ...(key === undefined ? {} : { idempotencyKey: key }) }) };
});
