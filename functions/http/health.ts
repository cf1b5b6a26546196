import { publicRoute } from '#shared/http/middleware';

export const handler = publicRoute(async () => ({ statusCode: 200, body: { status: 'ok' } }));
