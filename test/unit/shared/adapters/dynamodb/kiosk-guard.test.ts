import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client';
import { DynamoKioskGuard } from '#shared/adapters/dynamodb/kiosk-guard';
import { kioskWindowAt } from '#shared/domain/pickup-code';

const table = 'locker-table';
const mock = mockClient(DynamoDBDocumentClient);
const guard = new DynamoKioskGuard(createDocumentClient(new DynamoDBClient({ region: 'eu-west-1' })), table);
const window = kioskWindowAt(new Date('2026-11-22T10:03:20.000Z'));
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

beforeEach(() => {
  mock.reset();
});

describe('DynamoKioskGuard', () => {
  it("reserves an attempt with one conditional increment of the window's counter, kept an hour past the window", async () => {
    // Prepare
    mock.on(UpdateCommand).resolves({});

    // Act
    const reserved = await guard.reserve({ locationId: 'loc-1' }, window, 5);

    // Assess
    expect(reserved).toBe(true);
    expect(mock.commandCalls(UpdateCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: table,
        Key: { PK: 'LOC#loc-1#KIOSK', SK: '2026-11-22T10:00:00.000Z' },
        UpdateExpression: 'ADD attempts :one SET #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(attempts) OR attempts < :budget',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':one': 1, ':budget': 5, ':ttl': Date.parse('2026-11-22T11:05:00.000Z') / 1000 },
      },
    ]);
  });

  it("keeps one kiosk token's attempts in a counter of its own under the location", async () => {
    // Prepare
    mock.on(UpdateCommand).resolves({});

    // Act
    await guard.reserve({ locationId: 'loc-1', kioskId: 'kiosk-7' }, window, 50);
    await guard.giveBack({ locationId: 'loc-1', kioskId: 'kiosk-7' }, window);

    // Assess
    expect(mock.commandCalls(UpdateCommand).map((call) => call.args[0].input.Key)).toEqual([
      { PK: 'LOC#loc-1#KIOSK#TOKEN', SK: '2026-11-22T10:00:00.000Z#kiosk-7' },
      { PK: 'LOC#loc-1#KIOSK#TOKEN', SK: '2026-11-22T10:00:00.000Z#kiosk-7' },
    ]);
  });

  it('answers false when the budget is spent', async () => {
    // Prepare
    mock.on(UpdateCommand).rejects(conditionFailed());

    // Act
    const reserved = await guard.reserve({ locationId: 'loc-1' }, window, 5);

    // Assess
    expect(reserved).toBe(false);
  });

  it('lets any other failure through', async () => {
    // Prepare
    mock.on(UpdateCommand).rejects(Object.assign(new Error('Throttled'), { name: 'ProvisionedThroughputExceededException' }));

    // Act
    const reserving = guard.reserve({ locationId: 'loc-1' }, window, 5);

    // Assess
    await expect(reserving).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });

  it('gives an attempt back with a decrement that never goes below zero', async () => {
    // Prepare
    mock.on(UpdateCommand).resolves({});

    // Act
    await guard.giveBack({ locationId: 'loc-1' }, window);

    // Assess
    expect(mock.commandCalls(UpdateCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: table,
        Key: { PK: 'LOC#loc-1#KIOSK', SK: '2026-11-22T10:00:00.000Z' },
        UpdateExpression: 'ADD attempts :minusOne',
        ConditionExpression: 'attempts > :zero',
        ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
      },
    ]);
  });

  it('has nothing to give back when the counter is already at zero', async () => {
    // Prepare
    mock.on(UpdateCommand).rejects(conditionFailed());

    // Act
    const givingBack = guard.giveBack({ locationId: 'loc-1' }, window);

    // Assess
    await expect(givingBack).resolves.toBeUndefined();
  });
});
