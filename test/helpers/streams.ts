import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type _Record } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { createLocalDynamoDbClient, localCredentials, localRegion } from '#infra/local/dynamodb-local';
import type { TestTable } from './dynamodb.ts';

/**
 * Reads a test table's stream from DynamoDB Local, as Lambda's event source mapping would: every
 * shard from its start, then after the last sequence number read, turned into the records Lambda
 * delivers (`ApproximateCreationDateTime` in epoch seconds, the stream's ARN as the source).
 */
export class TableStream {
  private readonly client: DynamoDBStreamsClient;
  private readonly checkpoints = new Map<string, string>();
  private streamArn: string | undefined;

  constructor(private readonly table: TestTable) {
    this.client = new DynamoDBStreamsClient({ endpoint: table.endpoint, region: localRegion, credentials: localCredentials });
  }

  /** Every record written since the last call, in stream order, that `filter` (Lambda's filter pattern syntax, exact matches) lets through. */
  async next(filter?: Readonly<Record<string, unknown>>): Promise<DynamoDBRecord[]> {
    const streamArn = await this.arn();
    const { StreamDescription } = await this.client.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    const records: DynamoDBRecord[] = [];
    for (const shard of StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId!;
      const after = this.checkpoints.get(shardId);
      let { ShardIterator: iterator } = await this.client.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ...(after === undefined ? { ShardIteratorType: 'TRIM_HORIZON' } : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }),
        }),
      );
      // An open shard answers an empty page (with a next iterator) once it is read to its end;
      // DynamoDB Local sometimes leaves the next iterator out.
      while (iterator !== undefined) {
        const page = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator }));
        const read = page.Records ?? [];
        if (read.length === 0) break;
        for (const record of read) records.push(toLambdaRecord(record, streamArn));
        this.checkpoints.set(shardId, read.at(-1)!.dynamodb!.SequenceNumber!);
        iterator = page.NextShardIterator;
      }
    }
    records.sort((a, b) => (BigInt(a.dynamodb!.SequenceNumber!) < BigInt(b.dynamodb!.SequenceNumber!) ? -1 : 1));
    return filter === undefined ? records : records.filter((record) => matches(record, filter));
  }

  close(): void {
    this.client.destroy();
  }

  private async arn(): Promise<string> {
    if (this.streamArn !== undefined) return this.streamArn;
    const client = createLocalDynamoDbClient(this.table.endpoint);
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: this.table.tableName }));
      if (Table?.LatestStreamArn === undefined) throw new Error(`Table ${this.table.tableName} has no stream`);
      this.streamArn = Table.LatestStreamArn;
      return this.streamArn;
    } finally {
      client.destroy();
    }
  }
}

/** The event Lambda invokes a stream function with. */
export const streamEvent = (records: readonly DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: [...records] });

function toLambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const { ApproximateCreationDateTime, ...rest } = record.dynamodb ?? {};
  return {
    eventID: record.eventID!,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? localRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(rest as NonNullable<DynamoDBRecord['dynamodb']>),
      ...(ApproximateCreationDateTime ? { ApproximateCreationDateTime: Math.floor(ApproximateCreationDateTime.getTime() / 1000) } : {}),
    },
  };
}

/** Lambda's filter pattern, as far as exact matches go: every key present, its value among those listed. */
function matches(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) return pattern.some((candidate) => candidate === value);
  if (typeof pattern !== 'object' || pattern === null) return value === pattern;
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(pattern).every(([key, inner]) => matches((value as Record<string, unknown>)[key], inner));
}
