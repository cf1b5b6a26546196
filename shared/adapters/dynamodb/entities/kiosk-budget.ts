import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KioskCounter, KioskWindow } from '#shared/domain/pickup-code';
import { conditionFailed } from '../client.ts';
import { ttlAttribute } from '../table.ts';
import { locationPartition } from './location.ts';

/**
 * The kiosk budget: one counter item per window. A location's kiosks together under
 * `LOC#<loc>#KIOSK` / `<window start>`, one kiosk token under `LOC#<loc>#KIOSK#TOKEN` /
 * `<window start>#<kiosk sub>` (the window start has a fixed length, so no sub can make two keys meet).
 */
export const kioskBudgetKey = ({ locationId, kioskId }: KioskCounter, window: KioskWindow) =>
  kioskId === undefined
    ? { PK: `${locationPartition(locationId)}#KIOSK`, SK: window.start.toISOString() }
    : { PK: `${locationPartition(locationId)}#KIOSK#TOKEN`, SK: `${window.start.toISOString()}#${kioskId}` };

/** Counters outlive their window by an hour; TTL only tidies up, since a new window is a new item. */
const keptAfterWindowSeconds = 3600;

export const kioskBudgetQueries = {
  /**
   * One conditional UpdateItem reserves an attempt: DynamoDB applies the condition and the increment
   * as one, so however many kiosks guess at once, no more than the budget ever pass.
   * @returns false when the window's budget is spent.
   */
  async reserve(client: DynamoDBDocumentClient, tableName: string, counter: KioskCounter, window: KioskWindow, budget: number): Promise<boolean> {
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: kioskBudgetKey(counter, window),
          UpdateExpression: 'ADD attempts :one SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(attempts) OR attempts < :budget',
          ExpressionAttributeNames: { '#ttl': ttlAttribute },
          ExpressionAttributeValues: { ':one': 1, ':budget': budget, ':ttl': Math.ceil(window.end.getTime() / 1000) + keptAfterWindowSeconds },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  },

  async giveBack(client: DynamoDBDocumentClient, tableName: string, counter: KioskCounter, window: KioskWindow): Promise<void> {
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: kioskBudgetKey(counter, window),
          UpdateExpression: 'ADD attempts :minusOne',
          ConditionExpression: 'attempts > :zero',
          ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
        }),
      );
    } catch (error) {
      // Nothing left to give back (the counter is gone or at zero): the budget is already whole.
      if (!conditionFailed(error)) throw error;
    }
  },
};
