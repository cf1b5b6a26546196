import type { Context, DynamoDBRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '#functions/streams/notify';

// Not #test/helpers/events: it loads the local Lambda runtime, which switches Powertools into
// multi-concurrency mode, where only invocations the runtime starts have a context.
const lambdaContext = (functionName: string) =>
  ({
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    getRemainingTimeInMillis: () => 30_000,
  }) as Context;

/** A stream record of an item that is not an event, as a filter that let too much through would deliver. */
const record = (sequenceNumber: string, entity: string, eventName: DynamoDBRecord['eventName'] = 'INSERT'): DynamoDBRecord => ({
  eventID: `id-${sequenceNumber}`,
  eventName,
  eventSource: 'aws:dynamodb',
  eventSourceARN: 'arn:aws:dynamodb:eu-west-1:123456789012:table/locker/stream/2026-11-22T00:00:00.000',
  dynamodb: {
    Keys: { PK: { S: 'SENT#evt-1#sms' }, SK: { S: 'SENT' } },
    NewImage: { PK: { S: 'SENT#evt-1#sms' }, SK: { S: 'SENT' }, entity: { S: entity } },
    SequenceNumber: sequenceNumber,
    StreamViewType: 'NEW_AND_OLD_IMAGES',
  },
});

beforeEach(() => {
  // One invocation at a time, as a Lambda without multi-concurrency (another test file in this
  // worker may have loaded the local runtime, which turns it on).
  vi.stubEnv('AWS_LAMBDA_MAX_CONCURRENCY', undefined);
  vi.stubEnv('TABLE_NAME', 'unit-table');
  vi.stubEnv('PICKUP_CODE_SECRET', 'unit-test-secret-0123456789abcdef0123');
  vi.stubEnv('PARCEL_EVENTS_TOPIC_ARN', 'arn:aws:sns:eu-west-1:123456789012:parcel-events');
  vi.stubEnv('OPERATOR_ALERTS_TOPIC_ARN', 'arn:aws:sns:eu-west-1:123456789012:operator-alerts');
  vi.stubEnv('EMAIL_SENDER', 'no-reply@lockers.example.com');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the notify handler', () => {
  it('builds its ports from its own environment and skips what is not an inserted event item, failing nothing', async () => {
    // Act
    const response = await handler({ Records: [record('100', 'SENT'), record('101', 'EVENT', 'MODIFY'), record('102', 'PARCEL')] }, lambdaContext('notify'));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
  });

  it('fails the invocation when its configuration is missing, naming the variable', async () => {
    // Prepare
    vi.stubEnv('EMAIL_SENDER', undefined);
    vi.resetModules();
    const { handler: fresh } = await import('#functions/streams/notify');

    // Act
    const invoking = fresh({ Records: [record('100', 'SENT')] }, lambdaContext('notify'));

    // Assess
    await expect(invoking).rejects.toThrow(/EMAIL_SENDER/);
  });
});
