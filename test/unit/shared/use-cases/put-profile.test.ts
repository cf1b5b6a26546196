import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '#shared/adapters/observability';
import { UnavailableError, UndeliverableError, ValidationError } from '#shared/domain/errors';
import { quotaWindowOf } from '#shared/domain/verification';
import { toErrorResponse } from '#shared/http/errors';
import { putProfile, type PutProfileDeps } from '#shared/use-cases/put-profile';
import { RecordingLogger } from '#test/helpers/deps';
import { MemoryDestinationQuota } from '#test/helpers/notify';

/**
 * `PUT /me` when the channel fails to send the code after the profile is saved: the caller gets a
 * typed error, never a 500, and nothing logged carries the address (a provider's message can quote it).
 */
const address = 'victim@example.com';
/** What SES v2 answers in the sandbox for an unverified recipient: `MessageRejected`, quoting the address. */
const sesRejection = () =>
  Object.assign(new Error(`Email address is not verified. The following identities failed the check in region EU-WEST-1: ${address}`), {
    name: 'MessageRejected',
    $metadata: { httpStatusCode: 400 },
  });

const logged: unknown[][] = [];
beforeEach(() => {
  vi.spyOn(logger, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
  vi.spyOn(logger, 'warn').mockImplementation((...args: unknown[]) => void logged.push(args));
});
afterEach(() => {
  logged.splice(0);
  vi.restoreAllMocks();
});

function depsSending(email: () => Promise<void>) {
  const saved: unknown[][] = [];
  const log = new RecordingLogger();
  const deps = {
    profiles: { get: async () => undefined, put: async (...args: unknown[]) => void saved.push(args) },
    clock: { now: () => new Date('2026-12-08T04:00:00Z') },
    vault: { destinationKey: (channel: string, to: string) => `${channel}/${to}`, hash: () => 'hash' },
    quota: new MemoryDestinationQuota(),
    messagesPerDestinationHour: 10,
    verificationCodes: { next: () => '123456' },
    notifier: { sms: async () => undefined, email },
    logger: log,
  } as unknown as PutProfileDeps;
  return { deps, saved, log };
}

async function thrownBy(act: () => Promise<unknown>): Promise<unknown> {
  try {
    await act();
  } catch (error) {
    return error;
  }
  return new Error('nothing was thrown');
}

describe('putProfile when the code cannot be sent', () => {
  it('answers 503 TRY_AGAIN with the profile saved when SES rejects the email, logging its name and status but not the address', async () => {
    // Prepare
    const { deps, saved, log } = depsSending(() => Promise.reject(sesRejection()));

    // Act
    const error = await thrownBy(() => putProfile(deps, { sub: 'u1', roles: ['customer'] }, { email: address }));
    const response = toErrorResponse(error);

    // Assess
    expect([error instanceof UnavailableError, response.statusCode, JSON.parse(response.body).error.code]).toEqual([true, 503, 'TRY_AGAIN']);
    expect(response.body).not.toContain(address);
    expect(saved).toHaveLength(1);
    expect(log.entries).toEqual([{ level: 'warn', message: 'Verification code not sent', fields: { channel: 'email', error: 'MessageRejected', status: 400 } }]);
    expect(JSON.stringify(logged)).not.toContain(address);
  });

  it('answers 400 on the address when the channel refuses it for good, with the profile saved', async () => {
    // Prepare
    const { deps, saved } = depsSending(() => Promise.reject(new UndeliverableError('OptedOutException')));

    // Act
    const error = await thrownBy(() => putProfile(deps, { sub: 'u1', roles: ['customer'] }, { email: address }));

    // Assess
    expect([error instanceof ValidationError, toErrorResponse(error).statusCode, (error as ValidationError).details]).toEqual([
      true,
      400,
      [{ path: 'email', message: 'Cannot receive messages' }],
    ]);
    expect(saved).toHaveLength(1);
  });

  it("takes the code from the address's budget of codes, leaving its parcel messages' budget whole", async () => {
    // Prepare
    const { deps } = depsSending(async () => undefined);
    const window = quotaWindowOf(new Date('2026-12-08T04:00:00Z'));

    // Act
    await putProfile(deps, { sub: 'u1', roles: ['customer'] }, { email: address });

    // Assess
    expect([...(deps.quota as MemoryDestinationQuota).counts]).toEqual([[`codes#email/${address}#${window.hour}`, 1]]);
  });
});
