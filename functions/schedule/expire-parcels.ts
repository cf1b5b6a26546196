import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '#shared/http/logger';
import { getDeps } from '#shared/runtime';
import { expireParcels } from '#shared/use-cases/parcels';

export const handler = middy<ScheduledEvent, { expired: number }>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => {
    const result = await expireParcels(await getDeps());
    logger.info('Expiry sweep done', result);
    return result;
  });
