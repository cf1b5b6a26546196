import { httpRoute } from '#shared/http/handler';
import { listParcelsQuery } from '#shared/http/schemas';
import { listParcels } from '#shared/use-cases/parcels';

export const handler = httpRoute({ roles: ['customer', 'admin'], query: listParcelsQuery }, async ({ actor, query }, deps) => ({
  statusCode: 200,
  body: await listParcels(deps, actor, query),
}));
