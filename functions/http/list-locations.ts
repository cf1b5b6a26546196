import { httpRoute } from '#shared/http/handler';
import { listLocations } from '#shared/use-cases/locations';

export const handler = httpRoute({ roles: ['admin', 'carrier', 'customer', 'kiosk'] }, async (_request, deps) => ({
  statusCode: 200,
  body: { items: await listLocations(deps) },
}));
