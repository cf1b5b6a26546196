import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client';
import { DynamoSentLog } from '#shared/adapters/dynamodb/sent-log';
import type { SendLease } from '#shared/ports';

const table = 'locker-table';
const mock = mockClient(DynamoDBDocumentClient);
const log = new DynamoSentLog(createDocumentClient(new DynamoDBClient({ region: 'eu-west-1' })), table);
const at = new Date('2026-11-22T10:00:00.000Z');
const week = 7 * 24 * 3600;
const key = { PK: 'SENT#evt-1#sms', SK: 'SENT' };

/** DynamoDB's refusal, carrying the item it found (ReturnValuesOnConditionCheckFailure: ALL_OLD). */
const refusedWith = (item?: Record<string, unknown>) =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, ...(item ? { Item: marshall(item) } : {}) });

beforeEach(() => {
  mock.reset();
});

describe('DynamoSentLog.begin', () => {
  it('takes the key with one conditional put: a lease of 15 s, kept a week', async () => {
    // Prepare
    mock.on(PutCommand).resolves({});

    // Act
    const lease = await log.begin('evt-1#sms', at);

    // Assess
    expect(lease).toBeDefined();
    expect(mock.commandCalls(PutCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: table,
        Item: {
          ...key,
          entity: 'SENT',
          status: 'SENDING',
          leaseId: expect.any(String) as string,
          leaseUntil: '2026-11-22T10:00:15.000Z',
          ttl: at.getTime() / 1000 + week,
        },
        ConditionExpression: 'attribute_not_exists(PK) OR (#status = :sending AND leaseUntil < :at)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':sending': 'SENDING', ':at': '2026-11-22T10:00:00.000Z' },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    ]);
  });

  it.each([
    ['sent', { ...key, status: 'SENT', sentAt: '2026-11-22T09:59:00.000Z' }],
    ['undeliverable', { ...key, status: 'UNDELIVERABLE', reason: 'MessageRejected' }],
  ])('answers nothing to send for a key already %s', async (_kind, item) => {
    // Prepare
    mock.on(PutCommand).rejects(refusedWith(item));

    // Act
    const lease = await log.begin('evt-1#sms', at);

    // Assess
    expect(lease).toBeUndefined();
  });

  it("answers when another sender's live lease lapses, so the caller can wait for it or try again later", async () => {
    // Prepare
    mock.on(PutCommand).rejects(refusedWith({ ...key, status: 'SENDING', leaseId: 'other', leaseUntil: '2026-11-22T10:00:12.500Z' }));

    // Act
    const held = await log.begin('evt-1#sms', at);

    // Assess
    expect(held).toEqual({ heldUntil: new Date('2026-11-22T10:00:12.500Z') });
  });
});

describe('SendLease', () => {
  const taken = async () => {
    mock.on(PutCommand).resolves({});
    const lease = (await log.begin('evt-1#sms', at)) as SendLease;
    const leaseId = mock.commandCalls(PutCommand)[0]!.args[0].input.Item!.leaseId as string;
    return { lease, leaseId };
  };

  it('marks the key sent while it is still being sent, and drops the lease', async () => {
    // Prepare
    const { lease } = await taken();
    mock.on(UpdateCommand).resolves({});

    // Act
    await lease.sent(new Date('2026-11-22T10:00:01.000Z'));

    // Assess
    expect(mock.commandCalls(UpdateCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: table,
        Key: key,
        UpdateExpression: 'SET #status = :status, sentAt = :at, #ttl = :ttl REMOVE leaseId, leaseUntil',
        ConditionExpression: '#status = :sending',
        ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':status': 'SENT', ':sending': 'SENDING', ':at': '2026-11-22T10:00:01.000Z', ':ttl': at.getTime() / 1000 + 1 + week },
      },
    ]);
  });

  it('records a refusal for good with its reason, so the key is never tried again', async () => {
    // Prepare
    const { lease } = await taken();
    mock.on(UpdateCommand).resolves({});

    // Act
    await lease.undeliverable(at, 'InvalidParameterException');

    // Assess
    expect(mock.commandCalls(UpdateCommand).map((call) => call.args[0].input.ExpressionAttributeValues)).toEqual([
      { ':status': 'UNDELIVERABLE', ':sending': 'SENDING', ':at': at.toISOString(), ':ttl': at.getTime() / 1000 + week, ':reason': 'InvalidParameterException' },
    ]);
  });

  it('leaves a key another sender settled first as it is', async () => {
    // Prepare
    const { lease } = await taken();
    mock.on(UpdateCommand).rejects(refusedWith());

    // Act
    const marking = lease.sent(at);

    // Assess
    await expect(marking).resolves.toBeUndefined();
  });

  it('gives the key back with a delete conditional on this very lease', async () => {
    // Prepare
    const { lease, leaseId } = await taken();
    mock.on(DeleteCommand).resolves({});

    // Act
    await lease.release();

    // Assess
    expect(mock.commandCalls(DeleteCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: table,
        Key: key,
        ConditionExpression: '#status = :sending AND leaseId = :lease',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':sending': 'SENDING', ':lease': leaseId },
      },
    ]);
  });

  it('lets a failed write through: the caller must not believe the key settled', async () => {
    // Prepare
    const { lease } = await taken();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    mock.on(UpdateCommand).rejects(throttled);

    // Act
    const marking = lease.sent(at);

    // Assess
    await expect(marking).rejects.toBe(throttled);
  });
});
