import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AttemptState } from '#shared/domain/pickup-code';
import type { Page, PageRequest, StoredParcel } from '#shared/ports';
import { queryPage, queryShards, type QueryInput, type TransactItem } from '../client.ts';
import type { PageCursors } from '../cursor.ts';
import { indexes } from '../table.ts';
import { locationPartition } from './location.ts';
import { shardOf } from './shard.ts';

/**
 * The parcel entity: `PARCEL#<id>` / `META`, with its index keys derived from its state: by
 * recipient, by location, by type, and (only while STORED) by expiry for the sweep.
 */
export const parcelEntity = 'PARCEL';
export const parcelPartition = (parcelId: string) => `PARCEL#${parcelId}`;
export const parcelKey = (parcelId: string) => ({ PK: parcelPartition(parcelId), SK: 'META' });
export const recipientPartition = (recipientId: string) => `USER#${recipientId}`;

export const expiryShards = 8;
export const expiryPartition = (shard: number) => `EXPIRY#${shard}`;

const parcelFields = [
  'parcelId', 'locationId', 'lockerId', 'slotId', 'slotSize', 'size', 'recipientId', 'carrierId', 'status',
  'createdAt', 'updatedAt', 'pickupWindowHours', 'expiresAt', 'commandId', 'failedAttempts', 'lockedUntil', 'codeReissuedAt', 'remindedAt', 'version',
  'pickupCodeHash', 'sealedPickupCode', 'idempotencyKey', 'recipientContact',
] as const;

export function parcelItem(parcel: StoredParcel): Record<string, unknown> {
  const sortKey = `${parcel.createdAt}#${parcel.parcelId}`;
  return {
    ...parcelKey(parcel.parcelId),
    entity: parcelEntity,
    ...parcel,
    recipientPk: recipientPartition(parcel.recipientId),
    recipientSk: sortKey,
    locationPk: locationPartition(parcel.locationId),
    locationSk: sortKey,
    entityTypePk: parcelEntity,
    entityTypeSk: sortKey,
    ...(parcel.status === 'STORED' && parcel.expiresAt
      ? { expiryPk: expiryPartition(shardOf(parcel.parcelId, expiryShards)), expirySk: `${parcel.expiresAt}#${parcel.parcelId}` }
      : {}),
  };
}

export function toParcel(item: Record<string, unknown>): StoredParcel {
  const picked: Record<string, unknown> = {};
  for (const field of parcelFields) if (item[field] !== undefined) picked[field] = item[field];
  return picked as unknown as StoredParcel;
}

export const parcelParts = {
  create: (parcel: StoredParcel): TransactItem => ({
    Put: { TableName: undefined, Item: parcelItem(parcel), ConditionExpression: 'attribute_not_exists(PK)' },
  }),
  /** Replaces the parcel with its decided next state, only if nobody wrote it since `previous` was read. */
  replace: (previous: StoredParcel, next: StoredParcel): TransactItem => ({
    Put: {
      TableName: undefined,
      Item: parcelItem(next),
      ConditionExpression: 'version = :version',
      ExpressionAttributeValues: { ':version': previous.version },
    },
  }),
  /** Counts a wrong pickup code, only on the version and the count it was decided from. */
  recordWrongCode: (parcel: StoredParcel, previous: AttemptState, next: AttemptState): TransactItem => ({
    Update: {
      TableName: undefined,
      Key: parcelKey(parcel.parcelId),
      ConditionExpression: 'version = :version AND failedAttempts = :previous',
      UpdateExpression: next.lockedUntil
        ? 'SET failedAttempts = :attempts, lockedUntil = :lockedUntil, version = :next'
        : 'SET failedAttempts = :attempts, version = :next REMOVE lockedUntil',
      ExpressionAttributeValues: {
        ':version': parcel.version,
        ':next': parcel.version + 1,
        ':previous': previous.failedAttempts,
        ':attempts': next.failedAttempts,
        ...(next.lockedUntil ? { ':lockedUntil': next.lockedUntil } : {}),
      },
    },
  }),
};

/** The listings of parcels, newest first; `scope` names the index and partition a cursor belongs to. */
const listings = {
  byRecipient: (recipientId: string, filter: { locationId?: string }) => ({
    query: {
      IndexName: indexes.parcelsByRecipient.indexName,
      KeyConditionExpression: 'recipientPk = :pk',
      ExpressionAttributeValues: { ':pk': recipientPartition(recipientId), ...(filter.locationId ? { ':loc': filter.locationId } : {}) },
      ...(filter.locationId ? { FilterExpression: 'locationId = :loc' } : {}),
    },
    scope: `${indexes.parcelsByRecipient.indexName}\n${recipientPartition(recipientId)}`,
  }),
  byLocation: (locationId: string) => ({
    query: {
      IndexName: indexes.parcelsByLocation.indexName,
      KeyConditionExpression: 'locationPk = :pk',
      ExpressionAttributeValues: { ':pk': locationPartition(locationId) },
    },
    scope: `${indexes.parcelsByLocation.indexName}\n${locationPartition(locationId)}`,
  }),
  all: () => ({
    query: {
      IndexName: indexes.entitiesByType.indexName,
      KeyConditionExpression: 'entityTypePk = :type',
      ExpressionAttributeValues: { ':type': parcelEntity },
    },
    scope: `${indexes.entitiesByType.indexName}\n${parcelEntity}`,
  }),
} satisfies Record<string, (...args: never[]) => { query: QueryInput; scope: string }>;

async function newestFirst(
  client: DynamoDBDocumentClient,
  tableName: string,
  cursors: PageCursors,
  listing: { query: QueryInput; scope: string },
  page: PageRequest,
): Promise<Page<StoredParcel>> {
  const { items, ...next } = await queryPage(client, tableName, cursors, { ...listing, query: { ...listing.query, ScanIndexForward: false } }, page);
  return { items: items.map(toParcel), ...next };
}

export const parcelQueries = {
  async get(client: DynamoDBDocumentClient, tableName: string, parcelId: string): Promise<StoredParcel | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: parcelKey(parcelId), ConsistentRead: true }));
    return Item ? toParcel(Item) : undefined;
  },

  /** A recipient's parcels, newest first, at one location when `filter` names it. */
  byRecipient(
    client: DynamoDBDocumentClient,
    tableName: string,
    cursors: PageCursors,
    recipientId: string,
    page: PageRequest,
    filter: { locationId?: string },
  ): Promise<Page<StoredParcel>> {
    return newestFirst(client, tableName, cursors, listings.byRecipient(recipientId, filter), page);
  },

  byLocation(client: DynamoDBDocumentClient, tableName: string, cursors: PageCursors, locationId: string, page: PageRequest): Promise<Page<StoredParcel>> {
    return newestFirst(client, tableName, cursors, listings.byLocation(locationId), page);
  },

  all(client: DynamoDBDocumentClient, tableName: string, cursors: PageCursors, page: PageRequest): Promise<Page<StoredParcel>> {
    return newestFirst(client, tableName, cursors, listings.all(), page);
  },

  /** STORED parcels whose pickup window ended at or before `now`, over every shard, oldest first. */
  async dueForExpiry(client: DynamoDBDocumentClient, tableName: string, now: Date, limit: number): Promise<StoredParcel[]> {
    // Every key at or before `now`: ISO timestamps sort as text, and "#" sorts below "\uffff".
    const upTo = `${now.toISOString()}\uffff`;
    const items = await queryShards(client, tableName, {
      shards: expiryShards,
      query: (shard) => ({
        IndexName: indexes.parcelsByExpiry.indexName,
        KeyConditionExpression: 'expiryPk = :pk AND expirySk <= :upTo',
        ExpressionAttributeValues: { ':pk': expiryPartition(shard), ':upTo': upTo },
      }),
      first: { limit, by: 'expiresAt' },
    });
    return items.map(toParcel);
  },

  /** STORED parcels not yet reminded whose window ends after `now` and within `horizonHours`, soonest first. */
  async dueForReminder(client: DynamoDBDocumentClient, tableName: string, now: Date, horizonHours: number, limit: number): Promise<StoredParcel[]> {
    const after = `${now.toISOString()}\uffff`;
    const upTo = `${new Date(now.getTime() + horizonHours * 3_600_000).toISOString()}\uffff`;
    const items = await queryShards(client, tableName, {
      shards: expiryShards,
      query: (shard) => ({
        IndexName: indexes.parcelsByExpiry.indexName,
        KeyConditionExpression: 'expiryPk = :pk AND expirySk BETWEEN :after AND :upTo',
        FilterExpression: 'attribute_not_exists(remindedAt)',
        ExpressionAttributeValues: { ':pk': expiryPartition(shard), ':after': after, ':upTo': upTo },
      }),
      first: { limit, by: 'expiresAt' },
    });
    return items.map(toParcel);
  },
};
