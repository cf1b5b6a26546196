import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HeldSend, SendLease, SentLog } from '#shared/ports';
import { sentQueries } from './entities/sent.ts';

export class DynamoSentLog implements SentLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async begin(key: string, at: Date): Promise<SendLease | HeldSend | undefined> {
    const leaseId = randomUUID();
    const taken = await sentQueries.take(this.client, this.tableName, key, leaseId, at);
    if (taken.outcome === 'settled') return undefined;
    if (taken.outcome === 'held') return { heldUntil: taken.until };
    const { client, tableName } = this;
    return {
      sent: (when) => sentQueries.settle(client, tableName, key, when, { status: 'SENT' }),
      undeliverable: (when, reason) => sentQueries.settle(client, tableName, key, when, { status: 'UNDELIVERABLE', reason }),
      release: () => sentQueries.release(client, tableName, key, leaseId),
    };
  }
}
