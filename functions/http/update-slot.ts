import { httpRoute } from '#shared/http/handler';
import { pathParameters, requestBodies } from '#shared/http/schemas';
import { setSlotStatus } from '#shared/use-cases/locations';

export const handler = httpRoute(
  { roles: ['admin'], params: pathParameters.slot, body: requestBodies['update-slot'] },
  async ({ actor, params, body }, deps) => ({
    statusCode: 200,
    body: await setSlotStatus(deps, actor, params, body.status),
  }),
);
