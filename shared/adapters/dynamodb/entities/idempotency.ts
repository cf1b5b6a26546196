import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IdempotencyRecord } from '#shared/ports';
import type { TransactItem } from '../client.ts';
import { ttlAttribute } from '../table.ts';

/** A carrier's Idempotency-Key and the parcel its first request created; DynamoDB TTL removes it after a day. */
export const idempotencyKey = (ownerSub: string, key: string) => ({ PK: `IDEMPOTENCY#${ownerSub}#${key}`, SK: 'IDEMPOTENCY' });

export const idempotencyParts = {
  create: (record: { ownerSub: string; key: string; requestHash: string; expiresAt: Date }, parcelId: string): TransactItem => ({
    Put: {
      TableName: undefined,
      Item: {
        ...idempotencyKey(record.ownerSub, record.key),
        entity: 'IDEMPOTENCY',
        parcelId,
        requestHash: record.requestHash,
        [ttlAttribute]: Math.floor(record.expiresAt.getTime() / 1000),
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  }),
};

export const idempotencyQueries = {
  async find(client: DynamoDBDocumentClient, tableName: string, ownerSub: string, key: string): Promise<IdempotencyRecord | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: idempotencyKey(ownerSub, key), ConsistentRead: true }));
    return Item ? { parcelId: String(Item.parcelId), requestHash: String(Item.requestHash) } : undefined;
  },
};
