import { httpFunction } from '#shared/http/handler';
import { manifest } from '#shared/manifest';
import { createLocation } from '#shared/use-cases/create-location';

export const handler = httpFunction(manifest['create-location'], async ({ actor, body }, ports) => ({
  statusCode: 201,
  body: await createLocation(ports, actor, body),
}));
