import { httpFunction } from '#shared/http/handler';
import { manifest } from '#shared/manifest';
import { getProfile } from '#shared/use-cases/get-profile';

export const handler = httpFunction(manifest['get-profile'], async ({ actor }, ports) => ({ statusCode: 200, body: await getProfile(ports, actor) }));
