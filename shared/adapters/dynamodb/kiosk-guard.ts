import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IdGenerator, KioskGuard } from '#shared/ports';
import { ttlAttribute } from './table.ts';

/** Wrong kiosk codes of one location, keyed by time: `LOC#<loc>#KIOSKFAIL` / `<at>#<id>`. */
const failuresPartition = (locationId: string) => `LOC#${locationId}#KIOSKFAIL`;

/**
 * One item per wrong kiosk code, keyed by time under the location: the count over the last
 * window is one bounded Query, exact rather than a fixed-bucket estimate. TTL clears old items;
 * the query's time bound, not TTL (which can lag for days), decides what counts.
 */
export class DynamoKioskGuard implements KioskGuard {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ids: IdGenerator,
  ) {}

  async recentFailures(locationId: string, since: Date, now: Date): Promise<number> {
    const { Count = 0 } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :since AND :now',
        ExpressionAttributeValues: {
          ':pk': failuresPartition(locationId),
          ':since': since.toISOString(),
          ':now': `${now.toISOString()}\uffff`,
        },
        Select: 'COUNT',
        ConsistentRead: true,
      }),
    );
    return Count;
  }

  async recordFailure(locationId: string, at: Date, expiresAt: Date): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          PK: failuresPartition(locationId),
          SK: `${at.toISOString()}#${this.ids.next()}`,
          [ttlAttribute]: Math.ceil(expiresAt.getTime() / 1000),
        },
      }),
    );
  }
}
