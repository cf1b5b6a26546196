import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Location } from '#shared/domain/location';
import type { Page, PageRequest } from '#shared/ports';
import { queryPage, type TransactItem } from '../client.ts';
import type { PageCursors } from '../cursor.ts';
import { indexes } from '../table.ts';

/**
 * The location entity: `LOC#<loc>` / `META`, listed by type. Its partition also holds its lockers,
 * their slots, its pickup-code entries and the events of no parcel: every one of their keys starts
 * from `locationPartition`.
 */
export const locationEntity = 'LOCATION';
export const locationPartition = (locationId: string) => `LOC#${locationId}`;
export const locationKey = (locationId: string) => ({ PK: locationPartition(locationId), SK: 'META' });

export function locationItem(location: Location): Record<string, unknown> {
  return { ...locationKey(location.locationId), entity: locationEntity, entityTypePk: locationEntity, entityTypeSk: location.locationId, ...location };
}

export function toLocation(item: Record<string, unknown>): Location {
  return {
    locationId: String(item.locationId),
    name: String(item.name),
    address: String(item.address),
    pickupWindowHours: Number(item.pickupWindowHours),
    ...(typeof item.reminderHoursBefore === 'number' ? { reminderHoursBefore: item.reminderHoursBefore } : {}),
    createdAt: String(item.createdAt),
  };
}

export const locationParts = {
  create: (location: Location): TransactItem => ({
    Put: { TableName: undefined, Item: locationItem(location), ConditionExpression: 'attribute_not_exists(PK)' },
  }),
  mustExist: (locationId: string): TransactItem => ({
    ConditionCheck: { TableName: undefined, Key: locationKey(locationId), ConditionExpression: 'attribute_exists(PK)' },
  }),
};

export const locationQueries = {
  async get(client: DynamoDBDocumentClient, tableName: string, locationId: string): Promise<Location | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: locationKey(locationId) }));
    return Item ? toLocation(Item) : undefined;
  },

  /** One page of locations, in id order. */
  async list(client: DynamoDBDocumentClient, tableName: string, cursors: PageCursors, page: PageRequest): Promise<Page<Location>> {
    const listing = {
      query: {
        IndexName: indexes.entitiesByType.indexName,
        KeyConditionExpression: 'entityTypePk = :type',
        ExpressionAttributeValues: { ':type': locationEntity },
      },
      scope: `${indexes.entitiesByType.indexName}\n${locationEntity}`,
    };
    const { items, ...next } = await queryPage(client, tableName, cursors, listing, page);
    return { items: items.map(toLocation), ...next };
  },
};
