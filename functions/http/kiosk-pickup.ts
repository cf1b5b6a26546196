import { httpFunction } from '#shared/http/handler';
import { manifest } from '#shared/manifest';
import { kioskPickup } from '#shared/use-cases/kiosk-pickup';

export const handler = httpFunction(manifest['kiosk-pickup'],
  async ({ actor, params, body }, ports) => ({
    statusCode: 202,
    body: await kioskPickup(ports, actor, params.locationId, body.pickupCode),
  }),
);
