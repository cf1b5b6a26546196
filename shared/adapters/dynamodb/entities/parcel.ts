import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StoredParcel } from '#shared/ports';
import type { TransactItem } from '../client.ts';
import { locationPartition } from './location.ts';
import { shardOf } from './shard.ts';

/**
 * The parcel entity: `PARCEL#<id>` / `META`, with its index keys derived from its state: by
 * recipient, by location, by type, and (only while STORED) by expiry for the sweep.
 */
export const parcelEntity = 'PARCEL';
export const parcelKey = (parcelId: string) => ({ PK: `PARCEL#${parcelId}`, SK: 'META' });
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
};

export const parcelQueries = {
  async get(client: DynamoDBDocumentClient, tableName: string, parcelId: string): Promise<StoredParcel | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: parcelKey(parcelId), ConsistentRead: true }));
    return Item ? toParcel(Item) : undefined;
  },
};
