import { httpFunction } from '#shared/http/handler';
import { manifest } from '#shared/manifest';
import { addLocker } from '#shared/use-cases/add-locker';

export const handler = httpFunction(manifest['add-locker'],
  async ({ actor, params, body }, ports) => {
    const locker = await addLocker(ports, actor, params.locationId, body);
    return {
      statusCode: 201,
      body: {
        locationId: locker.locationId,
        lockerId: locker.lockerId,
        thingName: locker.thingName,
        online: locker.online,
        slots: locker.slots.map(({ slotId, size, status }) => ({ slotId, size, status })),
      },
    };
  },
);
