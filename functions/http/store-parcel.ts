import { httpRoute } from '#shared/http/handler';
import { validate } from '#shared/http/request';
import { idempotencyKey, requestBodies } from '#shared/http/schemas';
import { storeParcel } from '#shared/use-cases/store-parcel';

export const handler = httpRoute({ roles: ['carrier'], body: requestBodies['store-parcel'] }, async ({ actor, body, headers }, deps) => {
  const key = headers['idempotency-key'];
  const idempotency = key === undefined ? {} : { idempotencyKey: validate(idempotencyKey, key, 'header') };
  return { statusCode: 201, body: await storeParcel(deps, actor, { ...body, ...idempotency }) };
});
