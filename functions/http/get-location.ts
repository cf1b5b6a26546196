import { httpFunction } from '#shared/http/handler';
import { manifest } from '#shared/manifest';
import { getLocation } from '#shared/use-cases/get-location';

export const handler = httpFunction(manifest['get-location'],
  async ({ actor, params }, ports) => ({ statusCode: 200, body: await getLocation(ports, actor, params.locationId) }),
);
