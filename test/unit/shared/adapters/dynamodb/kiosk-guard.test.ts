import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client';
import { DynamoKioskGuard } from '#shared/adapters/dynamodb/kiosk-guard';

const table = 'locker-table';
const mock = mockClient(DynamoDBDocumentClient);
const guard = new DynamoKioskGuard(createDocumentClient(new DynamoDBClient({ region: 'eu-west-1' })), table, { next: () => 'id-1' });

beforeEach(() => {
  mock.reset();
});

describe('DynamoKioskGuard', () => {
  it('counts a location\'s failures between the window start and now with one consistent COUNT query', async () => {
    // Prepare
    mock.on(QueryCommand).resolves({ Count: 0 });

    // Act
    await guard.recentFailures('loc-1', new Date('2026-11-22T09:45:00.000Z'), new Date('2026-11-22T10:00:00.000Z'));

    // Assess
    expect(mock.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: table,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :since AND :now',
      ExpressionAttributeValues: {
        ':pk': 'LOC#loc-1#KIOSKFAIL',
        ':since': '2026-11-22T09:45:00.000Z',
        ':now': '2026-11-22T10:00:00.000Z\uffff',
      },
      Select: 'COUNT',
      ConsistentRead: true,
    });
  });

  it('returns the count DynamoDB reports', async () => {
    // Prepare
    mock.on(QueryCommand).resolves({ Count: 7, ScannedCount: 7 });

    // Act
    const failures = await guard.recentFailures('loc-1', new Date('2026-11-22T09:45:00.000Z'), new Date('2026-11-22T10:00:00.000Z'));

    // Assess
    expect(failures).toBe(7);
  });

  it('records a failure as its own item keyed by time, with a TTL rounded up to the next second', async () => {
    // Prepare
    mock.on(PutCommand).resolves({});

    // Act
    await guard.recordFailure('loc-1', new Date('2026-11-22T10:00:00.000Z'), new Date('2026-11-22T10:15:00.200Z'));

    // Assess
    expect(mock.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: table,
      Item: { PK: 'LOC#loc-1#KIOSKFAIL', SK: '2026-11-22T10:00:00.000Z#id-1', ttl: 1_795_342_501 },
    });
  });
});
