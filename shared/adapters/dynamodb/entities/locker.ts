import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { thingNameOf } from '#shared/domain/door';
import type { Locker } from '#shared/domain/location';
import type { TransactItem } from '../client.ts';
import { indexes } from '../table.ts';

/**
 * The locker entity: `LOC#<loc>` / `LOCKER#<locker>`, listed by type for the local fleet of
 * simulated lockers. Its `online` flag follows AWS IoT lifecycle events, ordered by their
 * `versionNumber` (then connected before disconnected), so a late event never undoes a newer one.
 */
export const lockerEntity = 'LOCKER';

export const lockerKey = (locationId: string, lockerId: string) => ({ PK: `LOC#${locationId}`, SK: `LOCKER#${lockerId}` });
export const lockerSortKeyPrefix = 'LOCKER#';

/**
 * Sort-key bounds on the entities-by-type index covering every locker of the locations from
 * `first` to `last` (in id order): ids never contain `#`, which sorts below every character an id
 * may hold, so no other location's lockers fall between two of theirs.
 */
export const lockersOfLocationsRange = (first: string, last: string) => ({ from: `${first}#`, to: `${last}#\uffff` });

export function lockerItem(locker: Locker): Record<string, unknown> {
  return {
    ...lockerKey(locker.locationId, locker.lockerId),
    entity: lockerEntity,
    entityTypePk: lockerEntity,
    entityTypeSk: `${locker.locationId}#${locker.lockerId}`,
    ...locker,
  };
}

export function toLocker(item: Record<string, unknown>): Locker {
  return {
    locationId: String(item.locationId),
    lockerId: String(item.lockerId),
    createdAt: String(item.createdAt),
    thingName: typeof item.thingName === 'string' ? item.thingName : thingNameOf(String(item.locationId), String(item.lockerId)),
    slotIds: Array.isArray(item.slotIds) ? item.slotIds.map(String) : [],
    online: item.online === true,
    ...(typeof item.presenceAt === 'string' ? { presenceAt: item.presenceAt } : {}),
    ...(typeof item.presenceVersion === 'number' ? { presenceVersion: item.presenceVersion } : {}),
  };
}

export const lockerParts = {
  create: (locker: Locker): TransactItem => ({
    Put: { TableName: undefined, Item: lockerItem(locker), ConditionExpression: 'attribute_not_exists(PK)' },
  }),
  remove: (locationId: string, lockerId: string): TransactItem => ({
    Delete: { TableName: undefined, Key: lockerKey(locationId, lockerId), ConditionExpression: 'attribute_exists(PK)' },
  }),
};

/**
 * Every locker in the table with its doors. Only the local stack uses this (to run one simulated
 * locker per locker); the service itself never lists all lockers.
 */
export async function listAllLockers(client: DynamoDBDocumentClient, tableName: string): Promise<Locker[]> {
  const lockers: Locker[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: indexes.entitiesByType.indexName,
        KeyConditionExpression: 'entityTypePk = :type',
        ExpressionAttributeValues: { ':type': lockerEntity },
        ExclusiveStartKey,
      }),
    );
    lockers.push(...(page.Items ?? []).map(toLocker));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return lockers;
}
