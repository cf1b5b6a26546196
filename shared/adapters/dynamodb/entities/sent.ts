import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { conditionFailed } from '../client.ts';
import { ttlAttribute } from '../table.ts';

/**
 * The sent log (docs/architecture.md §7): one item per message key (`<eventId>#<channel>`,
 * `<eventId>#parcel-events`, `REMINDER#<parcelId>#<channel>`), `SENT#<key>` / `SENT`.
 * - `SENDING` with `leaseId` and `leaseUntil`: a sender has taken it and is sending now;
 * - `SENT` with `sentAt`, or `UNDELIVERABLE` with `reason`: settled, never sent again.
 * Taking, settling and giving back are each one conditional write, so two deliveries of one stream
 * record, or two overlapping reminder sweeps, never both send.
 */
export const sentEntity = 'SENT';
export const sentKey = (key: string) => ({ PK: `SENT#${key}`, SK: sentEntity });

/**
 * Longer than one send can take (three SDK attempts of at most 1 s to connect and 2 s to answer,
 * with backoff: about 10 s), and no longer: a sender that died mid-send (a timeout, out of memory)
 * holds up its key until the lease lapses, and the retry of its record waits for that (`sendOnce`)
 * within an invocation of 60 s. A lease never lapses under a live sender that matters: a shard's
 * records go to one invocation at a time, and every key belongs to one record or one reminder.
 */
export const leaseSeconds = 15;

/**
 * Kept a week, then DynamoDB TTL tidies up: longer than the stream keeps a record (24 h, so any
 * redelivery still finds it) and than any reminder's lead time before its parcel expires.
 */
export const keptSeconds = 7 * 24 * 3600;

export type SentStatus = 'SENDING' | 'SENT' | 'UNDELIVERABLE';

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

export const sentQueries = {
  /**
   * Takes the key when nobody has (or the last lease lapsed). The item's state on a refusal comes
   * back with the error, so telling "settled" from "held" costs no second read.
   * @returns `taken`, `settled`, or the time the live lease lapses.
   */
  async take(
    client: DynamoDBDocumentClient,
    tableName: string,
    key: string,
    leaseId: string,
    at: Date,
  ): Promise<{ readonly outcome: 'taken' | 'settled' } | { readonly outcome: 'held'; readonly until: Date }> {
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...sentKey(key),
            entity: sentEntity,
            status: 'SENDING' satisfies SentStatus,
            leaseId,
            leaseUntil: new Date(at.getTime() + leaseSeconds * 1000).toISOString(),
            [ttlAttribute]: epochSeconds(at) + keptSeconds,
          },
          ConditionExpression: 'attribute_not_exists(PK) OR (#status = :sending AND leaseUntil < :at)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':sending': 'SENDING' satisfies SentStatus, ':at': at.toISOString() },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { outcome: 'taken' };
    } catch (error) {
      if (!conditionFailed(error)) throw error;
      // The document client unmarshalls outputs, not the item an error carries.
      const old = (error as { Item?: Record<string, AttributeValue> }).Item;
      const item = old === undefined ? undefined : unmarshall(old);
      if (item?.status === 'SENDING' && typeof item.leaseUntil === 'string') return { outcome: 'held', until: new Date(item.leaseUntil) };
      return { outcome: 'settled' };
    }
  },

  /**
   * Settles the key. Conditional on still being SENDING: a lease that lapsed and was taken by another
   * sender still ends settled (the message did go out), but an item already settled is left as it is.
   */
  async settle(
    client: DynamoDBDocumentClient,
    tableName: string,
    key: string,
    at: Date,
    settled: { readonly status: 'SENT' } | { readonly status: 'UNDELIVERABLE'; readonly reason: string },
  ): Promise<void> {
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: sentKey(key),
          UpdateExpression:
            settled.status === 'SENT'
              ? 'SET #status = :status, sentAt = :at, #ttl = :ttl REMOVE leaseId, leaseUntil'
              : 'SET #status = :status, settledAt = :at, reason = :reason, #ttl = :ttl REMOVE leaseId, leaseUntil',
          ConditionExpression: '#status = :sending',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': ttlAttribute },
          ExpressionAttributeValues: {
            ':status': settled.status,
            ':sending': 'SENDING' satisfies SentStatus,
            ':at': at.toISOString(),
            ':ttl': epochSeconds(at) + keptSeconds,
            ...(settled.status === 'UNDELIVERABLE' ? { ':reason': settled.reason } : {}),
          },
        }),
      );
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
  },

  /** Gives the key back, only while this very lease holds it (never another sender's, never a settled one). */
  async release(client: DynamoDBDocumentClient, tableName: string, key: string, leaseId: string): Promise<void> {
    try {
      await client.send(
        new DeleteCommand({
          TableName: tableName,
          Key: sentKey(key),
          ConditionExpression: '#status = :sending AND leaseId = :lease',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':sending': 'SENDING' satisfies SentStatus, ':lease': leaseId },
        }),
      );
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
  },
};
