import { httpFunction } from '#shared/http/handler';
import { manifest } from '#shared/manifest';
import { verifyContact } from '#shared/use-cases/verify-contact';

export const handler = httpFunction(manifest['verify-contact'], async ({ actor, body }, ports) => ({ statusCode: 200, body: await verifyContact(ports, actor, body) }));
