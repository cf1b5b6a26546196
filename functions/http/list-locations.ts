import { httpFunction } from '#shared/http/handler';
import { manifest } from '#shared/manifest';
import { listLocations } from '#shared/use-cases/list-locations';

export const handler = httpFunction(manifest['list-locations'], async ({ query }, ports) => ({
  statusCode: 200,
  body: await listLocations(ports, query),
}));
