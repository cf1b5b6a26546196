import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IdempotencyRecord, IdempotentRefusal } from '#shared/ports';
import { conditionFailed, type TransactItem } from '../client.ts';
import { ttlAttribute } from '../table.ts';

/**
 * A carrier's Idempotency-Key and what its first request answered: the parcel it created (DynamoDB
 * TTL removes the record after a day) or, for a minute, the refusal it was given.
 */
export const idempotencyKey = (ownerSub: string, key: string) => ({ PK: `IDEMPOTENCY#${ownerSub}#${key}`, SK: 'IDEMPOTENCY' });

/** TTL deletes lazily (up to days late), so a lapsed refusal is told by its own time, not by its absence. */
const unusedOrLapsed = 'attribute_not_exists(PK) OR refusedUntil < :at';

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

export const idempotencyParts = {
  create: (record: { ownerSub: string; key: string; requestHash: string; at: Date; expiresAt: Date }, parcelId: string): TransactItem => ({
    Put: {
      TableName: undefined,
      Item: {
        ...idempotencyKey(record.ownerSub, record.key),
        entity: 'IDEMPOTENCY',
        parcelId,
        requestHash: record.requestHash,
        [ttlAttribute]: epochSeconds(record.expiresAt),
      },
      ConditionExpression: unusedOrLapsed,
      ExpressionAttributeValues: { ':at': record.at.toISOString() },
    },
  }),
};

export const idempotencyQueries = {
  async find(client: DynamoDBDocumentClient, tableName: string, ownerSub: string, key: string): Promise<IdempotencyRecord | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: idempotencyKey(ownerSub, key), ConsistentRead: true }));
    if (!Item) return undefined;
    const requestHash = String(Item.requestHash);
    if (typeof Item.refusedUntil === 'string') {
      return { requestHash, refusal: { code: String(Item.refusalCode), message: String(Item.refusalMessage), until: new Date(Item.refusedUntil) } };
    }
    return { requestHash, parcelId: String(Item.parcelId) };
  },

  /** False when the key already has an answer (a parcel, or a refusal still standing at `at`). */
  async refuse(
    client: DynamoDBDocumentClient,
    tableName: string,
    record: { ownerSub: string; key: string; requestHash: string; refusal: IdempotentRefusal; at: Date },
  ): Promise<boolean> {
    const { refusal } = record;
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...idempotencyKey(record.ownerSub, record.key),
            entity: 'IDEMPOTENCY',
            requestHash: record.requestHash,
            refusalCode: refusal.code,
            refusalMessage: refusal.message,
            refusedUntil: refusal.until.toISOString(),
            [ttlAttribute]: epochSeconds(refusal.until) + 60,
          },
          ConditionExpression: unusedOrLapsed,
          ExpressionAttributeValues: { ':at': record.at.toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  },
};
