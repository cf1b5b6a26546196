import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { thingNameOf } from '#shared/domain/door';
import type { LocationLayout, Locker } from '#shared/domain/location';
import type { Presence } from '#shared/ports';
import { queryAll, type TransactItem } from '../client.ts';
import { indexes } from '../table.ts';
import { locationPartition } from './location.ts';
import { slotSortKeyPrefix, toSlot } from './slot.ts';

/**
 * The locker entity: `LOC#<loc>` / `LOCKER#<locker>`, listed by type for the local fleet of
 * simulated lockers. Its `online` flag follows AWS IoT lifecycle events, ordered by their
 * `versionNumber` (then connected before disconnected), so a late event never undoes a newer one.
 */
export const lockerEntity = 'LOCKER';

export const lockerSortKeyPrefix = 'LOCKER#';
export const lockerKey = (locationId: string, lockerId: string) => ({ PK: locationPartition(locationId), SK: `${lockerSortKeyPrefix}${lockerId}` });

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
  /**
   * Lifecycle events can arrive late and out of order: one is applied only if it is newer than the
   * one applied, by AWS's versionNumber and then time.
   */
  recordPresence: (locker: Pick<Locker, 'locationId' | 'lockerId'>, presence: Presence): TransactItem => ({
    Update: {
      TableName: undefined,
      Key: lockerKey(locker.locationId, locker.lockerId),
      // One connection's connected and disconnected events share a versionNumber; the disconnect
      // comes second. AWS restarts a client's versionNumber after about an hour disconnected, so
      // an event an hour newer than the one applied wins whatever its number.
      ConditionExpression: presence.online
        ? 'attribute_exists(PK) AND (attribute_not_exists(presenceVersion) OR presenceVersion < :version OR presenceAt < :reset)'
        : 'attribute_exists(PK) AND (attribute_not_exists(presenceVersion) OR presenceVersion < :version OR presenceAt < :reset OR (presenceVersion = :version AND #online = :true))',
      UpdateExpression: 'SET #online = :online, presenceVersion = :version, presenceAt = :at',
      // `online` is a DynamoDB reserved word.
      ExpressionAttributeNames: { '#online': 'online' },
      ExpressionAttributeValues: {
        ':online': presence.online,
        ':version': presence.version,
        ':at': presence.at,
        ':reset': new Date(Date.parse(presence.at) - 3_600_000).toISOString(),
        ...(presence.online ? {} : { ':true': true }),
      },
    },
  }),
};

export const lockerQueries = {
  async get(client: DynamoDBDocumentClient, tableName: string, locationId: string, lockerId: string): Promise<Locker | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: lockerKey(locationId, lockerId), ConsistentRead: true }));
    return Item ? toLocker(Item) : undefined;
  },

  /** The lockers of a location, without their slots. */
  async ofLocation(client: DynamoDBDocumentClient, tableName: string, locationId: string): Promise<Locker[]> {
    const items = await queryAll(client, tableName, {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': locationPartition(locationId), ':prefix': lockerSortKeyPrefix },
    });
    return items.map(toLocker);
  },

  /**
   * The lockers of many locations with one range read of the entities-by-type index, spanning the
   * ids from the first to the last (cheapest when contiguous in id order, as a page of locations is).
   */
  async ofLocations(client: DynamoDBDocumentClient, tableName: string, locationIds: readonly string[]): Promise<Locker[]> {
    if (locationIds.length === 0) return [];
    const asked = new Set(locationIds);
    const sorted = [...locationIds].sort();
    const { from, to } = lockersOfLocationsRange(sorted[0]!, sorted.at(-1)!);
    const items = await queryAll(client, tableName, {
      IndexName: indexes.entitiesByType.indexName,
      KeyConditionExpression: 'entityTypePk = :type AND entityTypeSk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':type': lockerEntity, ':from': from, ':to': to },
    });
    return items.map(toLocker).filter((locker) => asked.has(locker.locationId));
  },

  /** The lockers of a location, each with its slots. */
  async withSlots(client: DynamoDBDocumentClient, tableName: string, locationId: string): Promise<LocationLayout> {
    // LOCKER# < META < SLOT#: one range read returns the lockers and slots (and the META item, skipped).
    const items = await queryAll(client, tableName, {
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': locationPartition(locationId), ':from': lockerSortKeyPrefix, ':to': `${slotSortKeyPrefix}\uffff` },
    });
    const slots = items.filter((item) => String(item.SK).startsWith(slotSortKeyPrefix)).map(toSlot);
    const lockers = items
      .filter((item) => String(item.SK).startsWith(lockerSortKeyPrefix))
      .map((item) => {
        const locker = toLocker(item);
        return { ...locker, slots: slots.filter((slot) => slot.lockerId === locker.lockerId) };
      });
    return { lockers };
  },
};
