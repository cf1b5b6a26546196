import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type AttributeValue,
  type _Record as StreamRecord,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { StreamFunction } from '#shared/manifest';
import { localCredentials } from './dynamodb-local.ts';
import type { LambdaRuntime } from './lambda/runtime.ts';

/**
 * A local stand-in for a Lambda event source mapping on the table's DynamoDB stream, reading the
 * stream of DynamoDB Local and invoking the function through the local Lambda runtime with the
 * `DynamoDBStreamEvent` Lambda delivers.
 *
 * What it honours of the deployed mapping:
 * - Shards: the stream is described every cycle, so shards born since are picked up and closed
 *   ones end; a child shard is read only once its parent is finished, so a key's records keep
 *   their order across a split. Within a shard, one batch at a time, in order.
 * - Starting position: shards that exist when the mapping first starts begin at `LATEST` (as the
 *   deployed mapping does); shards born later, at `TRIM_HORIZON`. Sequence numbers are
 *   checkpointed per shard, and kept in the data directory with `--persist`, so a restarted
 *   `npm start` resumes after the last record it handled: it neither sends old messages again
 *   nor misses those written while it stopped.
 * - Iterators: an expired iterator is acquired again after the checkpoint
 *   (`AFTER_SEQUENCE_NUMBER`); a response without `NextShardIterator` (DynamoDB Local sometimes
 *   omits it on an open shard) ends the shard only when DescribeStream gives it an
 *   `EndingSequenceNumber`, and is otherwise read again from the checkpoint.
 * - Filters (`FilterCriteria`), applied before batching, so only matching records are delivered;
 *   the others only move the checkpoint. The subset of Lambda's pattern syntax this service uses
 *   is played, anything else refused at start (see `parseFilterPattern`).
 * - Batches of up to `batchSize`, gathered for at most `maxBatchingWindowMs`.
 * - Failures: a partial batch response (`batchItemFailures`) retries from the first failed
 *   record, the records before it being done; a thrown error fails the whole batch. With
 *   `bisectOnError`, a failing batch is split in two, each half retried on its own (splitting does
 *   not count as a retry, as in Lambda). After `retryAttempts` retries, the records' batch
 *   metadata goes to the local dead-letter list, in the shape of Lambda's on-failure destination
 *   record, and the shard moves on: the records after a poison one are not blocked.
 *
 * Not reproduced: `ParallelizationFactor` (one batch per shard at a time), `MaximumRecordAgeInSeconds`,
 * tumbling windows, and an infinite `retryAttempts` (-1 is taken as Lambda's default bound of
 * retrying until the record expires, which locally would block the shard: it is capped, see below).
 */

/** Lambda polls a DynamoDB stream's shards four times a second; so does the local trigger. */
export const defaultPollIntervalMs = 250;
/** What a mapping with unlimited retries (-1) retries locally, before dead-lettering. */
const unlimitedRetriesCap = 10;
/** GetRecords' maximum, as Lambda reads. */
const readLimit = 1000;

export type StartingPosition = 'LATEST' | 'TRIM_HORIZON';

/** One event source mapping: a function and how the stream's records reach it. */
export interface StreamTrigger {
  readonly functionName: string;
  /** Filter patterns (objects, already parsed); a record is delivered when any matches. None: every record. */
  readonly filters: readonly FilterPattern[];
  readonly batchSize: number;
  readonly maxBatchingWindowMs: number;
  /** Retries after the first attempt; -1 is Lambda's "until the record expires" (capped locally). */
  readonly retryAttempts: number;
  readonly bisectOnError: boolean;
  /** `FunctionResponseTypes: ["ReportBatchItemFailures"]`: the function's `batchItemFailures` are honoured. */
  readonly reportBatchItemFailures: boolean;
  readonly startingPosition: StartingPosition;
}

/** The manifest's stream functions as `npm start` maps them (the CDK construct derives the same settings). */
export function triggersFromManifest(functions: readonly StreamFunction[]): StreamTrigger[] {
  return functions.map((fn) => ({
    functionName: fn.name,
    filters: [parseFilterPattern(fn.filter)],
    batchSize: fn.batchSize,
    maxBatchingWindowMs: fn.maxBatchingWindowSeconds * 1000,
    retryAttempts: fn.retryAttempts,
    bisectOnError: true,
    reportBatchItemFailures: true,
    startingPosition: 'LATEST',
  }));
}

// ---------------------------------------------------------------------------------------------
// Filter patterns

/** A Lambda event filter pattern: nested objects, ending in arrays of accepted values or rules. */
export type FilterPattern = { readonly [key: string]: FilterPattern | readonly FilterValue[] };
type FilterValue = string | number | boolean | null | FilterRule;
type FilterRule =
  | { readonly prefix: string }
  | { readonly 'anything-but': string | number | readonly (string | number)[] }
  | { readonly exists: boolean }
  | { readonly numeric: readonly (string | number)[] };

export class UnsupportedFilterError extends Error {
  override readonly name = 'UnsupportedFilterError';
}

const numericOperators = new Set(['=', '<', '<=', '>', '>=']);

/**
 * Validates a pattern (an object, or the JSON string a template's `FilterCriteria` holds) against
 * the subset played locally: nested objects, arrays of exact values (strings, numbers, booleans,
 * null), and the rules `prefix`, `anything-but`, `exists` and `numeric`. `$or`, `suffix`,
 * `equals-ignore-case`, `cidr` and wildcards are refused, so a filter that would select
 * differently in AWS never runs here silently.
 * @throws UnsupportedFilterError
 */
export function parseFilterPattern(pattern: unknown): FilterPattern {
  const parsed: unknown = typeof pattern === 'string' ? parseJson(pattern) : pattern;
  const visit = (node: unknown, path: string): void => {
    if (!isPlainObject(node)) throw new UnsupportedFilterError(`${path || 'The pattern'} must be an object`);
    for (const [key, value] of Object.entries(node)) {
      const at = path === '' ? key : `${path}.${key}`;
      if (key.startsWith('$')) throw new UnsupportedFilterError(`${at}: the local stream trigger does not play ${key}`);
      if (Array.isArray(value)) value.forEach((item) => assertFilterValue(item, at));
      else visit(value, at);
    }
  };
  visit(parsed, '');
  return parsed as FilterPattern;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UnsupportedFilterError(`The filter pattern is not JSON: ${text}`);
  }
}

function assertFilterValue(value: unknown, at: string): void {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return;
  if (!isPlainObject(value) || Object.keys(value).length !== 1) throw new UnsupportedFilterError(`${at}: ${JSON.stringify(value)} is not a value or a rule`);
  const [[rule, operand]] = Object.entries(value) as [[string, unknown]];
  const scalar = (item: unknown) => typeof item === 'string' || typeof item === 'number';
  const valid =
    (rule === 'prefix' && typeof operand === 'string') ||
    (rule === 'exists' && typeof operand === 'boolean') ||
    (rule === 'anything-but' && (scalar(operand) || (Array.isArray(operand) && operand.every(scalar)))) ||
    (rule === 'numeric' &&
      Array.isArray(operand) &&
      (operand.length === 2 || operand.length === 4) &&
      operand.every((item, index) => (index % 2 === 0 ? numericOperators.has(String(item)) : typeof item === 'number')));
  if (!valid) throw new UnsupportedFilterError(`${at}: the local stream trigger does not play ${JSON.stringify(value)}`);
}

/** Whether a record (as Lambda delivers it) matches a pattern: every key of the pattern must. */
export function matchesFilter(pattern: FilterPattern, record: unknown): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const field = isPlainObject(record) && Object.hasOwn(record, key) ? record[key] : undefined;
    if (!Array.isArray(expected)) return matchesFilter(expected as FilterPattern, field);
    return (expected as readonly FilterValue[]).some((rule) => matchesValue(rule, field));
  });
}

function matchesValue(rule: FilterValue, field: unknown): boolean {
  if (isPlainObject(rule) && 'exists' in rule) return rule.exists === (field !== undefined);
  if (field === undefined) return false;
  // A field holding an array matches when any of its elements does.
  const values: unknown[] = Array.isArray(field) ? field : [field];
  return values.some((value) => {
    if (!isPlainObject(rule)) return value === rule;
    if ('prefix' in rule) return typeof value === 'string' && value.startsWith(rule.prefix);
    if ('anything-but' in rule) {
      const excluded = ([] as (string | number)[]).concat(rule['anything-but'] as string | number | (string | number)[]);
      return !excluded.includes(value as string | number);
    }
    if ('numeric' in rule) {
      if (typeof value !== 'number') return false;
      const terms = rule.numeric;
      for (let index = 0; index < terms.length; index += 2) {
        if (!compare(value, String(terms[index]), Number(terms[index + 1]))) return false;
      }
      return true;
    }
    return false;
  });
}

function compare(value: number, operator: string, operand: number): boolean {
  switch (operator) {
    case '=':
      return value === operand;
    case '<':
      return value < operand;
    case '<=':
      return value <= operand;
    case '>':
      return value > operand;
    default:
      return value >= operand;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// The record Lambda delivers

/**
 * A stream record as Lambda puts it in the event: the creation time in epoch seconds, binary
 * attributes in base64, and the region and stream ARN of the deployment (DynamoDB Local says
 * `ddblocal`, which no deployed function ever sees).
 */
export function lambdaRecord(record: StreamRecord, region: string, streamArn: string): DynamoDBRecord {
  const data = record.dynamodb ?? {};
  const created = data.ApproximateCreationDateTime;
  return {
    eventID: record.eventID ?? randomUUID(),
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb: {
      ...(created === undefined ? {} : { ApproximateCreationDateTime: Math.floor(new Date(created).getTime() / 1000) }),
      ...(data.Keys === undefined ? {} : { Keys: image(data.Keys) }),
      ...(data.NewImage === undefined ? {} : { NewImage: image(data.NewImage) }),
      ...(data.OldImage === undefined ? {} : { OldImage: image(data.OldImage) }),
      ...(data.SequenceNumber === undefined ? {} : { SequenceNumber: data.SequenceNumber }),
      ...(data.SizeBytes === undefined ? {} : { SizeBytes: data.SizeBytes }),
      ...(data.StreamViewType === undefined ? {} : { StreamViewType: data.StreamViewType }),
    },
    ...(record.userIdentity === undefined ? {} : { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }),
    eventSourceARN: deployedArn(streamArn, region),
  } as DynamoDBRecord;
}

/** DynamoDB Local's ARNs carry the region `ddblocal`. */
export function deployedArn(arn: string, region: string): string {
  return arn.replace(/^arn:aws:dynamodb:ddblocal:/, `arn:aws:dynamodb:${region}:`);
}

type LambdaImage = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;

function image(attributes: Record<string, AttributeValue>): LambdaImage {
  return Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, attribute(value)])) as LambdaImage;
}

/** The SDK hands binary values as bytes; the event carries them as base64, as the wire does. */
function attribute(value: AttributeValue): unknown {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((item) => Buffer.from(item).toString('base64')) };
  if (value.M !== undefined) return { M: image(value.M) };
  if (value.L !== undefined) return { L: value.L.map(attribute) };
  return value;
}

// ---------------------------------------------------------------------------------------------
// Dead letters

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

// ---------------------------------------------------------------------------------------------
// Checkpoints

/** Per function, the stream it read and, per shard, the last sequence number handled. */
interface Checkpoints {
  readonly [functionName: string]: { readonly streamArn: string; readonly shards: Readonly<Record<string, ShardCheckpoint>> };
}
interface ShardCheckpoint {
  readonly sequenceNumber?: string;
  /** Closed and read to its end. */
  readonly done?: true;
}

export const checkpointsFileName = 'stream-checkpoints.json';

async function readCheckpoints(directory: string | undefined): Promise<Checkpoints | undefined> {
  if (directory === undefined) return undefined;
  try {
    return JSON.parse(await readFile(join(directory, checkpointsFileName), 'utf8')) as Checkpoints;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function writeCheckpoints(directory: string, checkpoints: Checkpoints): Promise<void> {
  await mkdir(directory, { recursive: true });
  const file = join(directory, checkpointsFileName);
  const staging = `${file}.${process.pid}.tmp`;
  await writeFile(staging, JSON.stringify(checkpoints, null, 2));
  await rename(staging, file);
}

// ---------------------------------------------------------------------------------------------
// The poller

export interface DynamoDbStreamsOptions {
  readonly endpoint: string;
  readonly tableName: string;
  /** The deployment's region, for the events' `awsRegion` and ARNs. */
  readonly region: string;
  readonly accountId: string;
  readonly triggers: readonly StreamTrigger[];
  readonly lambda: Pick<LambdaRuntime, 'invoke'>;
  /** Wait between polls of an idle stream; defaults to Lambda's 250 ms. */
  readonly pollIntervalMs?: number;
  /** Wait before retrying a failed batch; defaults to the poll interval. */
  readonly retryDelayMs?: number;
  /** Where checkpoints are kept across restarts (`--persist`); omitted, in memory. */
  readonly dataDirectory?: string;
  /** The service's clock, for the dead letters' timestamps. */
  readonly now?: () => Date;
  readonly log?: (line: string) => void;
  /** Tests inject faults through SDK middleware on these clients. */
  readonly clients?: { readonly streams?: DynamoDBStreamsClient; readonly dynamoDb?: DynamoDBClient };
}

export interface DynamoDbStreams {
  readonly pollIntervalMs: number;
  /** The batches given up on so far, oldest first (every trigger's). */
  deadLetters(): readonly DeadLetter[];
  /** Resolves after a whole poll cycle, started after this call, has ended. */
  nextCycle(): Promise<void>;
  stop(): Promise<void>;
}

interface ShardState {
  readonly shardId: string;
  readonly parentShardId: string | undefined;
  endingSequenceNumber: string | undefined;
  startAt: StartingPosition;
  iterator: string | undefined;
  checkpoint: string | undefined;
  done: boolean;
  /** Records read but not yet handled, in order; `matches` says whether the filters select them. */
  pending: { record: DynamoDBRecord; matches: boolean; readAt: number }[];
}

/**
 * Starts one poller per trigger. Resolves once every shard existing now has its iterator, so that a
 * record written after it resolves is delivered even at `LATEST`.
 */
export async function startDynamoDbStreams(options: DynamoDbStreamsOptions): Promise<DynamoDbStreams> {
  const pollIntervalMs = options.pollIntervalMs ?? defaultPollIntervalMs;
  const log = options.log ?? ((line: string) => console.log(line));
  const ownStreams = options.clients?.streams === undefined;
  const ownDynamoDb = options.clients?.dynamoDb === undefined;
  const clientConfig = { endpoint: options.endpoint, region: options.region, credentials: localCredentials, maxAttempts: 2 };
  const streams = options.clients?.streams ?? new DynamoDBStreamsClient(clientConfig);
  const dynamoDb = options.clients?.dynamoDb ?? new DynamoDBClient(clientConfig);
  const deadLetters: DeadLetter[] = [];
  const kept = await readCheckpoints(options.dataDirectory);
  const checkpoints: Record<string, Checkpoints[string]> = { ...kept };
  let saving: Promise<void> = Promise.resolve();
  const save = (functionName: string, streamArn: string, shards: Iterable<ShardState>) => {
    checkpoints[functionName] = {
      streamArn,
      shards: Object.fromEntries(
        [...shards].map((shard) => [shard.shardId, { ...(shard.checkpoint === undefined ? {} : { sequenceNumber: shard.checkpoint }), ...(shard.done ? { done: true as const } : {}) }]),
      ),
    };
    const directory = options.dataDirectory;
    if (directory === undefined) return;
    const snapshot = { ...checkpoints };
    saving = saving.then(() => writeCheckpoints(directory, snapshot)).catch((error: unknown) => log(`[dynamodb-streams] could not keep the checkpoints: ${String(error)}`));
  };

  const pollers = options.triggers.map((trigger) =>
    poller(trigger, {
      ...options,
      pollIntervalMs,
      retryDelayMs: options.retryDelayMs ?? pollIntervalMs,
      log,
      streams,
      dynamoDb,
      kept: kept?.[trigger.functionName],
      save: (streamArn, shards) => save(trigger.functionName, streamArn, shards),
      deadLetter: (letter) => deadLetters.push(letter),
    }),
  );
  try {
    await Promise.all(pollers.map((p) => p.start()));
  } catch (error) {
    await Promise.all(pollers.map((p) => p.stop()));
    throw error;
  }
  return {
    pollIntervalMs,
    deadLetters: () => [...deadLetters],
    nextCycle: async () => {
      await Promise.all(pollers.map((p) => p.nextCycle()));
    },
    async stop() {
      await Promise.all(pollers.map((p) => p.stop()));
      await saving;
      if (ownStreams) streams.destroy();
      if (ownDynamoDb) dynamoDb.destroy();
    },
  };
}

interface PollerContext extends DynamoDbStreamsOptions {
  readonly pollIntervalMs: number;
  readonly retryDelayMs: number;
  readonly log: (line: string) => void;
  readonly streams: DynamoDBStreamsClient;
  readonly dynamoDb: DynamoDBClient;
  readonly kept: Checkpoints[string] | undefined;
  save(streamArn: string, shards: Iterable<ShardState>): void;
  deadLetter(letter: DeadLetter): void;
}

function poller(trigger: StreamTrigger, context: PollerContext) {
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
          shard.pending.push({ record: delivered, matches: trigger.filters.length === 0 || trigger.filters.some((filter) => matchesFilter(filter, delivered)), readAt });
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
