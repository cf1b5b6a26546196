import { httpFunction } from '#shared/http/handler';
import { manifest } from '#shared/manifest';
import { listParcels } from '#shared/use-cases/list-parcels';

export const handler = httpFunction(manifest['list-parcels'], async ({ actor, query }, ports) => ({
  statusCode: 200,
  body: await listParcels(ports, actor, query),
}));
