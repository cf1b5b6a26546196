import { httpRoute } from '#shared/http/handler';
import { pathParameters, requestBodies } from '#shared/http/schemas';
import { addLocker } from '#shared/use-cases/locations';

export const handler = httpRoute(
  { roles: ['admin'], params: pathParameters.location, body: requestBodies['add-locker'] },
  async ({ actor, params, body }, deps) => {
    const locker = await addLocker(deps, actor, params.locationId, body);
    return {
      statusCode: 201,
      body: {
        locationId: locker.locationId,
        lockerId: locker.lockerId,
        slots: locker.slots.map(({ slotId, size, status }) => ({ slotId, size, status })),
      },
    };
  },
);
