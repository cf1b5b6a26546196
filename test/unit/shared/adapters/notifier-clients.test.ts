import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSesClient, createSnsClient, SnsSesNotifier } from '#shared/adapters/notifier';
import { sdkSettings } from '#shared/config';
import { UnavailableError } from '#shared/domain/errors';

// Real clients (no aws-sdk-client-mock, which would bypass their middleware): each attempt is
// answered by a middleware in place of the network.
const answering = <C extends SESv2Client | ReturnType<typeof createSnsClient>>(client: C, error: Error): C => {
  client.middlewareStack.add(() => () => Promise.reject(error), { step: 'deserialize', name: 'answer', priority: 'high' });
  return client;
};
const settings = { ...sdkSettings({}), SDK_MAX_ATTEMPTS: 1 };
const sdkError = (name: string, status: number) => Object.assign(new Error('Rate exceeded'), { name, $fault: 'client', $metadata: { httpStatusCode: status } });

beforeEach(() => {
  // The clients read their region and credentials as in Lambda, from the environment.
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'unit');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'unit');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the notifier clients', () => {
  it('answer SNS throttling that outlasted the retries as TRY_AGAIN, so the record is delivered again', async () => {
    // Prepare
    const notifier = new SnsSesNotifier(answering(createSnsClient(settings), sdkError('ThrottledException', 400)), createSesClient(settings), 'no-reply@example.com');

    // Act
    const thrown = await notifier.sms('+447700900123', 'body').catch((error: unknown) => error);

    // Assess
    expect(thrown).toBeInstanceOf(UnavailableError);
  });

  it('answer SES throttling that outlasted the retries as TRY_AGAIN', async () => {
    // Prepare
    const notifier = new SnsSesNotifier(createSnsClient(settings), answering(createSesClient(settings), sdkError('TooManyRequestsException', 429)), 'no-reply@example.com');

    // Act
    const thrown = await notifier.email('ana@example.com', 'subject', 'body').catch((error: unknown) => error);

    // Assess
    expect(thrown).toBeInstanceOf(UnavailableError);
  });
});
