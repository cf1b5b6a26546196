import { randomUUID } from 'node:crypto';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type DynamoDBStreamsClient, type Shard } from '@aws-sdk/client-dynamodb-streams';
import type { StreamFilter } from '#shared/manifest';
import type { FunctionCheckpoints, ShardPosition } from './checkpoints.ts';
import { isPlainObject, matchesFilter } from './filter.ts';
import { deployedArn, lambdaRecord } from './records.ts';

/**
 * One event source mapping's poller: it follows the table's stream shard by shard and invokes the
 * function with the `DynamoDBStreamEvent` Lambda delivers.
 * - Shards: the stream is described every cycle, so shards born since are picked up and closed
 *   ones end; a child shard is read only once its parent is finished, so a key's records keep
 *   their order across a split. Within a shard, one batch at a time, in order.
 * - Starting position: shards that exist when the mapping first starts begin at its
 *   `startingPosition`; shards born later, at `TRIM_HORIZON`; with kept checkpoints, after them.
 * - Iterators: an expired iterator is acquired again after the checkpoint
 *   (`AFTER_SEQUENCE_NUMBER`); a response without `NextShardIterator` (DynamoDB Local sometimes
 *   omits it on an open shard) ends the shard only when DescribeStream gives it an
 *   `EndingSequenceNumber`, and is otherwise read again from the checkpoint.
 * - Filters apply before batching: records they do not select only move the checkpoint.
 * - Batches of up to `batchSize`, gathered for at most `maxBatchingWindowMs`.
 * - Failures: a partial batch response (`batchItemFailures`) retries from the first failed
 *   record, the records before it being done; a thrown error fails the whole batch. With
 *   `bisectOnError`, a failing batch is split in two, each half retried on its own (splitting does
 *   not count as a retry, as in Lambda). After `retryAttempts` retries, the records' batch
 *   metadata goes to the dead letters, in the shape of Lambda's on-failure destination record,
 *   and the shard moves on: the records after a poison one are not blocked.
 *
 * Not reproduced: `ParallelizationFactor` (one batch per shard at a time), `MaximumRecordAgeInSeconds`,
 * tumbling windows, and an infinite `retryAttempts` (-1 is capped locally, where retrying until
 * the record expires would block the shard for 24 hours).
 */

/** What a mapping with unlimited retries (-1) retries locally, before dead-lettering. */
const unlimitedRetriesCap = 10;
/** GetRecords' maximum, as Lambda reads. */
const readLimit = 1000;

export type StartingPosition = 'LATEST' | 'TRIM_HORIZON';

/** One event source mapping: a function and how the stream's records reach it. */
export interface StreamTrigger {
  readonly functionName: string;
  /** Filter patterns as declared (objects, or a template's JSON strings); a record is delivered when any matches. None: every record. */
  readonly filters: readonly unknown[];
  readonly batchSize: number;
  readonly maxBatchingWindowMs: number;
  /** Retries after the first attempt; -1 is Lambda's "until the record expires" (capped locally). */
  readonly retryAttempts: number;
  readonly bisectOnError: boolean;
  /** `FunctionResponseTypes: ["ReportBatchItemFailures"]`: the function's `batchItemFailures` are honoured. */
  readonly reportBatchItemFailures: boolean;
  readonly startingPosition: StartingPosition;
}

/** What Lambda sends an on-failure destination for a stream batch it gave up on. */
export interface DeadLetter {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'RetryAttemptsExhausted';
    readonly approximateInvokeCount: number;
  };
  readonly responseContext: { readonly statusCode: number; readonly executedVersion: string; readonly functionError?: string };
  readonly version: '1.0';
  readonly timestamp: string;
  readonly DDBStreamBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    readonly approximateArrivalOfFirstRecord: string;
    readonly approximateArrivalOfLastRecord: string;
    readonly batchSize: number;
    readonly streamArn: string;
  };
}

export interface PollerContext {
  readonly tableName: string;
  /** The deployment's region and account, for the events' `awsRegion` and ARNs. */
  readonly region: string;
  readonly accountId: string;
  readonly lambda: { invoke(functionName: string, event: unknown): Promise<unknown> };
  /** The trigger's filters, checked (see filter.ts). */
  readonly filters: readonly StreamFilter[];
  readonly pollIntervalMs: number;
  readonly retryDelayMs: number;
  /** The service's clock, for the dead letters' timestamps. */
  readonly now?: () => Date;
  readonly log: (line: string) => void;
  readonly streams: DynamoDBStreamsClient;
  readonly dynamoDb: DynamoDBClient;
  readonly kept: FunctionCheckpoints | undefined;
  save(streamArn: string, shards: Iterable<ShardPosition>): void;
  deadLetter(letter: DeadLetter): void;
}

interface ShardState extends ShardPosition {
  readonly parentShardId: string | undefined;
  endingSequenceNumber: string | undefined;
  startAt: StartingPosition;
  iterator: string | undefined;
  checkpoint: string | undefined;
  done: boolean;
  /** Records read but not yet handled, in order; `matches` says whether the filters select them. */
  pending: { record: DynamoDBRecord; matches: boolean; readAt: number }[];
}

export function poller(trigger: StreamTrigger, context: PollerContext) {
  const { streams, dynamoDb, log, region } = context;
  const name = `[dynamodb-streams] ${trigger.functionName}`;
  const functionArn = `arn:aws:lambda:${region}:${context.accountId}:function:${trigger.functionName}`;
  const maxRetries = trigger.retryAttempts < 0 ? unlimitedRetriesCap : trigger.retryAttempts;
  let streamArn: string | undefined;
  /** Whether the shards of the current stream were there when the mapping began (they start at its position). */
  let firstDescribe = true;
  let kept = context.kept;
  const shards = new Map<string, ShardState>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let cycle: Promise<void> = Promise.resolve();
  let cycleWaiters: (() => void)[] = [];
  let failing = false;

  const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  async function latestStreamArn(): Promise<string | undefined> {
    const { Table } = await dynamoDb.send(new DescribeTableCommand({ TableName: context.tableName }));
    return Table?.StreamSpecification?.StreamEnabled === true ? Table.LatestStreamArn : undefined;
  }

  async function describeShards(arn: string): Promise<Shard[]> {
    const all: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: arn, ExclusiveStartShardId: exclusiveStartShardId }));
      all.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined);
    return all;
  }

  /** Describes the stream: shards born since the last cycle are added, ended ones learn their end. */
  async function refreshShards(): Promise<boolean> {
    if (streamArn === undefined) {
      const arn = await latestStreamArn();
      if (arn === undefined) return false;
      if (kept !== undefined && kept.streamArn !== arn) {
        // The table was made again (its files deleted): every record of the new stream is new.
        kept = undefined;
        firstDescribe = false;
      }
      streamArn = arn;
    }
    let described: Shard[];
    try {
      described = await describeShards(streamArn);
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') {
        log(`${name}: the stream ${streamArn} is gone; looking for the table's new stream`);
        streamArn = undefined;
        shards.clear();
        firstDescribe = false;
        kept = undefined;
        return false;
      }
      throw error;
    }
    const listed = new Set<string>();
    for (const shard of described) {
      const shardId = shard.ShardId;
      if (shardId === undefined) continue;
      listed.add(shardId);
      const ending = shard.SequenceNumberRange?.EndingSequenceNumber;
      const known = shards.get(shardId);
      if (known !== undefined) {
        known.endingSequenceNumber = ending;
        continue;
      }
      const checkpoint = kept?.shards[shardId];
      shards.set(shardId, {
        shardId,
        parentShardId: shard.ParentShardId,
        endingSequenceNumber: ending,
        // With kept checkpoints, the mapping existed before: a shard they do not know was born since.
        startAt: firstDescribe && kept === undefined ? trigger.startingPosition : 'TRIM_HORIZON',
        iterator: undefined,
        checkpoint: checkpoint?.sequenceNumber,
        done: checkpoint?.done === true,
        pending: [],
      });
    }
    // Trimmed away (24 h locally as in AWS): nothing more to read or keep.
    for (const shardId of shards.keys()) if (!listed.has(shardId)) shards.delete(shardId);
    firstDescribe = false;
    return true;
  }

  async function acquire(shard: ShardState): Promise<string | undefined> {
    const position =
      shard.checkpoint === undefined
        ? { ShardIteratorType: shard.startAt }
        : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: shard.checkpoint };
    try {
      const { ShardIterator } = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.shardId, ...position }));
      return ShardIterator;
    } catch (error) {
      if ((error as Error).name === 'TrimmedDataAccessException') {
        log(`${name}: shard ${shard.shardId}'s checkpoint is older than the stream keeps; reading from its oldest record`);
        const { ShardIterator } = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.shardId, ShardIteratorType: 'TRIM_HORIZON' }));
        return ShardIterator;
      }
      throw error;
    }
  }

  /** Reads what is new on a shard into its pending records; true when anything was read. */
  async function read(shard: ShardState): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      if (shard.iterator === undefined) {
        // Read again from the checkpoint: what was read past it but not handled comes again.
        shard.pending = [];
        shard.iterator = await acquire(shard);
      }
      if (shard.iterator === undefined) return false;
      try {
        const { Records = [], NextShardIterator } = await streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: readLimit }));
        const readAt = Date.now();
        for (const record of Records) {
          const delivered = lambdaRecord(record, region, streamArn!);
          shard.pending.push({ record: delivered, matches: context.filters.length === 0 || context.filters.some((filter) => matchesFilter(filter, delivered)), readAt });
        }
        shard.iterator = NextShardIterator;
        if (NextShardIterator === undefined && shard.endingSequenceNumber === undefined) {
          // DynamoDB Local omits it now and then on a shard that is still open: read again from the checkpoint.
          log(`${name}: GetRecords on open shard ${shard.shardId} gave no next iterator; reading again after the checkpoint`);
        }
        return Records.length > 0;
      } catch (error) {
        if ((error as Error).name !== 'ExpiredIteratorException' || attempt > 0) throw error;
        shard.iterator = undefined;
      }
    }
  }

  /** Delivers the shard's pending records in batches; returns when it has nothing to deliver now. */
  async function deliver(shard: ShardState): Promise<void> {
    while (!stopped) {
      while (shard.pending[0] !== undefined && !shard.pending[0].matches) shard.checkpoint = shard.pending.shift()!.record.dynamodb?.SequenceNumber;
      if (shard.pending.length === 0) return;
      let consumed = 0;
      const batch: DynamoDBRecord[] = [];
      for (const item of shard.pending) {
        if (batch.length === trigger.batchSize) break;
        consumed += 1;
        if (item.matches) batch.push(item.record);
      }
      const waited = Date.now() - (shard.pending[0]?.readAt ?? 0);
      if (batch.length < trigger.batchSize && waited < trigger.maxBatchingWindowMs) return;
      if (!(await invokeWithRetries(shard, batch, maxRetries))) return;
      shard.checkpoint = shard.pending[consumed - 1]?.record.dynamodb?.SequenceNumber ?? shard.checkpoint;
      shard.pending.splice(0, consumed);
      context.save(streamArn!, shards.values());
    }
  }

  /**
   * Delivers `records` until done or given up on; the shard's checkpoint follows what is done.
   * False when the trigger stopped first: the rest is read again at the next start, not given up on.
   */
  async function invokeWithRetries(shard: ShardState, records: readonly DynamoDBRecord[], retriesLeft: number, invocations = 0): Promise<boolean> {
    let remaining = records;
    let attempts = invocations;
    for (;;) {
      attempts += 1;
      const outcome = await invoke(remaining);
      if (outcome.failedFrom === undefined) return true;
      const done = remaining.slice(0, outcome.failedFrom);
      if (done.length > 0) {
        shard.checkpoint = done.at(-1)?.dynamodb?.SequenceNumber ?? shard.checkpoint;
        context.save(streamArn!, shards.values());
      }
      remaining = remaining.slice(outcome.failedFrom);
      if (trigger.bisectOnError && remaining.length > 1) {
        const half = Math.ceil(remaining.length / 2);
        return (
          (await invokeWithRetries(shard, remaining.slice(0, half), retriesLeft, attempts)) &&
          invokeWithRetries(shard, remaining.slice(half), retriesLeft, attempts)
        );
      }
      if (stopped) return false;
      if (retriesLeft <= 0) {
        giveUp(shard, remaining, attempts, outcome.functionError);
        return true;
      }
      retriesLeft -= 1;
      await delay(context.retryDelayMs);
    }
  }

  /** Invokes once; `failedFrom` is the index of the first record to retry, undefined when all succeeded. */
  async function invoke(records: readonly DynamoDBRecord[]): Promise<{ failedFrom?: number; functionError?: string }> {
    const event: DynamoDBStreamEvent = { Records: [...records] };
    let result: unknown;
    try {
      result = await context.lambda.invoke(trigger.functionName, event);
    } catch (error) {
      log(`${name}: the batch of ${records.length} failed: ${error instanceof Error ? error.message : String(error)}`);
      return { failedFrom: 0, functionError: 'Unhandled' };
    }
    if (!trigger.reportBatchItemFailures || !isPlainObject(result) || !Array.isArray(result.batchItemFailures)) return {};
    const failures = result.batchItemFailures as unknown[];
    if (failures.length === 0) return {};
    const sequenceNumbers = records.map((record) => record.dynamodb?.SequenceNumber);
    let failedFrom = records.length;
    for (const failure of failures) {
      const identifier = isPlainObject(failure) ? failure.itemIdentifier : undefined;
      const index = typeof identifier === 'string' && identifier !== '' ? sequenceNumbers.indexOf(identifier) : -1;
      // As Lambda does: an empty or unknown identifier fails the whole batch.
      failedFrom = Math.min(failedFrom, index === -1 ? 0 : index);
    }
    return { failedFrom };
  }

  function giveUp(shard: ShardState, records: readonly DynamoDBRecord[], invokeCount: number, functionError: string | undefined): void {
    const first = records[0]?.dynamodb;
    const last = records.at(-1)?.dynamodb;
    const arrival = (seconds: number | undefined) => new Date((seconds ?? 0) * 1000).toISOString();
    const letter: DeadLetter = {
      requestContext: { requestId: randomUUID(), functionArn, condition: 'RetryAttemptsExhausted', approximateInvokeCount: invokeCount },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(functionError === undefined ? {} : { functionError }) },
      version: '1.0',
      timestamp: (context.now?.() ?? new Date()).toISOString(),
      DDBStreamBatchInfo: {
        shardId: shard.shardId,
        startSequenceNumber: first?.SequenceNumber ?? '',
        endSequenceNumber: last?.SequenceNumber ?? '',
        approximateArrivalOfFirstRecord: arrival(first?.ApproximateCreationDateTime),
        approximateArrivalOfLastRecord: arrival(last?.ApproximateCreationDateTime),
        batchSize: records.length,
        streamArn: deployedArn(streamArn!, region),
      },
    };
    context.deadLetter(letter);
    log(`${name}: gave up on ${records.length} record(s) of shard ${shard.shardId} (${letter.DDBStreamBatchInfo.startSequenceNumber}…${letter.DDBStreamBatchInfo.endSequenceNumber}) after ${invokeCount} invocation(s); see GET /_local/dead-letters`);
    shard.checkpoint = last?.SequenceNumber ?? shard.checkpoint;
    context.save(streamArn!, shards.values());
  }

  function ready(shard: ShardState): boolean {
    if (shard.done) return false;
    const parent = shard.parentShardId === undefined ? undefined : shards.get(shard.parentShardId);
    return parent === undefined || parent.done;
  }

  async function pollShard(shard: ShardState): Promise<boolean> {
    const gotRecords = await read(shard);
    await deliver(shard);
    const finished =
      shard.iterator === undefined &&
      shard.pending.length === 0 &&
      shard.endingSequenceNumber !== undefined &&
      (shard.checkpoint === undefined || BigInt(shard.checkpoint) >= BigInt(shard.endingSequenceNumber) || !gotRecords);
    if (finished) {
      shard.done = true;
      context.save(streamArn!, shards.values());
    }
    return gotRecords;
  }

  /** One cycle; true when records were read, so the next comes at once. */
  async function runCycle(): Promise<boolean> {
    if (!(await refreshShards())) return false;
    const results = await Promise.all([...shards.values()].filter(ready).map(pollShard));
    return results.some(Boolean);
  }

  function schedule(ms: number) {
    if (stopped) return;
    timer = setTimeout(() => {
      const waiters = cycleWaiters;
      cycleWaiters = [];
      let busy = false;
      cycle = runCycle().then(
        (read) => {
          busy = read;
          if (failing) log(`${name}: reading the stream again`);
          failing = false;
        },
        (error: unknown) => {
          // DynamoDB Local restarting, say: one line per failing streak, not one per poll.
          if (!failing) log(`${name}: polling the stream failed, retrying: ${error instanceof Error ? error.message : String(error)}`);
          failing = true;
        },
      );
      void cycle.finally(() => {
        waiters.forEach((resolve) => resolve());
        schedule(busy ? 0 : context.pollIntervalMs);
      });
    }, ms);
  }

  return {
    async start() {
      await refreshShards();
      // The iterators of the shards there now, so that what is written from here on is delivered.
      for (const shard of shards.values()) if (ready(shard)) shard.iterator = await acquire(shard);
      schedule(context.pollIntervalMs);
    },
    nextCycle: () => new Promise<void>((resolve) => cycleWaiters.push(resolve)),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await cycle;
      cycleWaiters.forEach((resolve) => resolve());
      if (streamArn !== undefined) context.save(streamArn, shards.values());
    },
  };
}
