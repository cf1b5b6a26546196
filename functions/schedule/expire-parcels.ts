import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '#shared/adapters/observability';
import { lambdaHandler } from '#shared/lambda';
import { manifest } from '#shared/manifest';
import { portsFor } from '#shared/runtime';
import { expireParcels } from '#shared/use-cases/expire-parcels';

export const handler = lambdaHandler<ScheduledEvent, { expired: number }>(async () => {
  const result = await expireParcels(await portsFor(manifest['expire-parcels']));
  logger.info('Expiry sweep done', result);
  return result;
});
