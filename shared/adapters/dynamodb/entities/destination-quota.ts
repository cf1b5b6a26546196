import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DestinationBudget, QuotaWindow } from '#shared/domain/verification';
import { ttlAttribute } from '../table.ts';

/**
 * A destination's messages in one hour (docs/decisions.md, "Paid channels cannot be pumped"):
 * `DEST#<key>` / `HOUR#<yyyy-mm-ddThh>` with `messages` for parcel messages, and `DESTCODE#<key>`
 * for verification codes, a counter apart so codes cannot spend the parcel messages' budget. The key
 * is a keyed hash of the phone number or address (`PickupCodeVault.destinationKey`), so the table
 * holds no readable index of who is told. Items carry no `entity`: they are in no listing and no index.
 */
export const destinationQuotaKey = (destinationKey: string, window: QuotaWindow, budget: DestinationBudget) => ({
  PK: `${budget === 'codes' ? 'DESTCODE' : 'DEST'}#${destinationKey}`,
  SK: `HOUR#${window.hour}`,
});

/** Counters outlive their hour by an hour; TTL only tidies up, since a new hour is a new item. */
export const keptAfterWindowSeconds = 3600;

const conditionFailed = (error: unknown) => error instanceof Error && error.name === 'ConditionalCheckFailedException';

export const destinationQuotaQueries = {
  /**
   * One conditional UpdateItem takes a message: DynamoDB applies the condition and the increment as
   * one, so however many senders race, no more than `limit` ever pass in an hour.
   * @returns false when the hour's budget is spent (nothing is written then).
   */
  async reserve(
    client: DynamoDBDocumentClient,
    tableName: string,
    destinationKey: string,
    window: QuotaWindow,
    limit: number,
    budget: DestinationBudget,
  ): Promise<boolean> {
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: destinationQuotaKey(destinationKey, window, budget),
          UpdateExpression: 'ADD messages :one SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(messages) OR messages < :limit',
          ExpressionAttributeNames: { '#ttl': ttlAttribute },
          ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':ttl': Math.ceil(window.end.getTime() / 1000) + keptAfterWindowSeconds },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  },
};
