import { httpFunction } from '#shared/http/handler';
import { manifest } from '#shared/manifest';
import { setSlotStatus } from '#shared/use-cases/set-slot-status';

export const handler = httpFunction(manifest['update-slot'],
  async ({ actor, params, body }, ports) => ({
    statusCode: 200,
    body: await setSlotStatus(ports, actor, params, body.status, body.note),
  }),
);
