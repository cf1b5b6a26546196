import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '#shared/adapters/observability';
import { lambdaHandler } from '#shared/lambda';
import { manifest } from '#shared/manifest';
import { portsFor } from '#shared/runtime';
import { doorTimeouts } from '#shared/use-cases/door-timeouts';

export const handler = lambdaHandler<ScheduledEvent, { settled: number }>(async () => {
  const result = await doorTimeouts(await portsFor(manifest['door-timeouts']));
  if (result.settled > 0) logger.info('Door deadlines settled', result);
  return result;
});
