import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client';
import { listAllLockers, lockerItem, toLocker } from '#shared/adapters/dynamodb/entities/locker';
import type { Locker } from '#shared/domain/location';

const table = 'locker-table';
const mock = mockClient(DynamoDBDocumentClient);
const client = createDocumentClient(new DynamoDBClient({ region: 'eu-west-1' }));

const locker: Locker = {
  locationId: 'loc-1',
  lockerId: 'A',
  createdAt: '2026-11-22T09:30:00.000Z',
  thingName: 'loc-1:A',
  slotIds: ['01', '02'],
  online: true,
  presenceAt: '2026-11-22T09:31:00.000Z',
  presenceVersion: 3,
};

beforeEach(() => {
  mock.reset();
});

describe('lockerItem and toLocker', () => {
  it('writes the locker under its location, listed by type', () => {
    // Act
    const item = lockerItem(locker);

    // Assess
    expect(item).toEqual({ PK: 'LOC#loc-1', SK: 'LOCKER#A', entity: 'LOCKER', entityTypePk: 'LOCKER', entityTypeSk: 'loc-1#A', ...locker });
  });

  it('reads back the locker it wrote, without keys', () => {
    // Act
    const read = toLocker(lockerItem(locker));

    // Assess
    expect(read).toEqual(locker);
  });

  it('reads a locker written before doors as offline, named as its thing, with no doors', () => {
    // Act
    const read = toLocker({ PK: 'LOC#loc-1', SK: 'LOCKER#A', locationId: 'loc-1', lockerId: 'A', createdAt: '2026-11-22T09:30:00.000Z' });

    // Assess
    expect(read).toEqual({ locationId: 'loc-1', lockerId: 'A', createdAt: '2026-11-22T09:30:00.000Z', thingName: 'loc-1:A', slotIds: [], online: false });
  });
});

describe('listAllLockers', () => {
  it('follows every page of the lockers listed by type', async () => {
    // Prepare
    const lastKey = { PK: 'LOC#loc-1', SK: 'LOCKER#A', entityTypePk: 'LOCKER', entityTypeSk: 'loc-1#A' };
    const other: Locker = { ...locker, locationId: 'loc-2', thingName: 'loc-2:A', online: false };
    mock
      .on(QueryCommand)
      .resolvesOnce({ Items: [lockerItem(locker)], LastEvaluatedKey: lastKey })
      .resolvesOnce({ Items: [lockerItem(other)] });

    // Act
    const lockers = await listAllLockers(client, table);

    // Assess
    const query = { TableName: table, IndexName: 'entities-by-type', KeyConditionExpression: 'entityTypePk = :type', ExpressionAttributeValues: { ':type': 'LOCKER' } };
    expect({ lockers, inputs: mock.commandCalls(QueryCommand).map((call) => call.args[0].input) }).toEqual({
      lockers: [locker, other],
      inputs: [
        { ...query, ExclusiveStartKey: undefined },
        { ...query, ExclusiveStartKey: lastKey },
      ],
    });
  });
});
