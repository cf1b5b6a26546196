import { httpFunction } from '#shared/http/handler';
import { manifest } from '#shared/manifest';
import { putProfile } from '#shared/use-cases/put-profile';

export const handler = httpFunction(manifest['put-profile'], async ({ actor, body }, ports) => ({ statusCode: 200, body: await putProfile(ports, actor, body) }));
