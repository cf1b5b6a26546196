import { httpFunction } from '#shared/http/handler';
import { manifest } from '#shared/manifest';
import { openSlot } from '#shared/use-cases/open-slot';

export const handler = httpFunction(manifest['open-slot'],
  async ({ actor, params }, ports) => ({
    statusCode: 202,
    body: await openSlot(ports, actor, params),
  }),
);
