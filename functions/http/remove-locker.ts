import { httpFunction } from '#shared/http/handler';
import { manifest } from '#shared/manifest';
import { removeLocker } from '#shared/use-cases/remove-locker';

export const handler = httpFunction(manifest['remove-locker'], async ({ actor, params }, ports) => {
  await removeLocker(ports, actor, params.locationId, params.lockerId);
  return { statusCode: 204 };
});
