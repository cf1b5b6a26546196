import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '#shared/adapters/observability';
import { lambdaHandler } from '#shared/lambda';
import { manifest } from '#shared/manifest';
import { portsFor } from '#shared/runtime';
import { sendReminders } from '#shared/use-cases/send-reminders';

export const handler = lambdaHandler<ScheduledEvent, { reminded: number }>(async () => {
  const result = await sendReminders(await portsFor(manifest['send-reminders']));
  logger.info('Reminder sweep done', result);
  return result;
});
