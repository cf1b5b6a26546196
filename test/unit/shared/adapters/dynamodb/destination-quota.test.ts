import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client';
import { DynamoDestinationQuota } from '#shared/adapters/dynamodb/destination-quota';
import { quotaWindowOf } from '#shared/domain/verification';

const table = 'locker-table';
const mock = mockClient(DynamoDBDocumentClient);
const quota = new DynamoDestinationQuota(createDocumentClient(new DynamoDBClient({ region: 'eu-west-1' })), table);
const window = quotaWindowOf(new Date('2026-11-22T10:03:20.000Z'));

beforeEach(() => {
  mock.reset();
});

describe('DynamoDestinationQuota', () => {
  it("takes a message with one conditional increment of the destination's hourly counter, kept an hour past the hour", async () => {
    // Prepare
    mock.on(UpdateCommand).resolves({});

    // Act
    const reserved = await quota.reserve('hmac-of-phone', window, 10, 'messages');

    // Assess
    expect(reserved).toBe(true);
    expect(mock.commandCalls(UpdateCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: table,
        Key: { PK: 'DEST#hmac-of-phone', SK: 'HOUR#2026-11-22T10' },
        UpdateExpression: 'ADD messages :one SET #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(messages) OR messages < :limit',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':one': 1, ':limit': 10, ':ttl': Date.parse('2026-11-22T12:00:00.000Z') / 1000 },
      },
    ]);
  });

  it("counts a destination's verification codes under a key of their own, apart from its parcel messages", async () => {
    // Prepare
    mock.on(UpdateCommand).resolves({});

    // Act
    await quota.reserve('hmac-of-phone', window, 3, 'codes');

    // Assess
    expect(mock.commandCalls(UpdateCommand).map((call) => [call.args[0].input.Key, call.args[0].input.ExpressionAttributeValues?.[':limit']])).toEqual([
      [{ PK: 'DESTCODE#hmac-of-phone', SK: 'HOUR#2026-11-22T10' }, 3],
    ]);
  });

  it('answers false, writing nothing, when the condition fails: the hour is spent', async () => {
    // Prepare
    mock.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    // Act
    const reserved = await quota.reserve('hmac-of-phone', window, 10, 'messages');

    // Assess
    expect(reserved).toBe(false);
  });

  it('lets any other failure through, so the send is tried again', async () => {
    // Prepare
    mock.on(UpdateCommand).rejects(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));

    // Act
    const reserving = quota.reserve('hmac-of-phone', window, 10, 'messages');

    // Assess
    await expect(reserving).rejects.toThrow('throttled');
  });
});
