import { publicRoute } from '#shared/http/handler';

export const handler = publicRoute(async () => ({ statusCode: 200, body: { status: 'ok' } }));
