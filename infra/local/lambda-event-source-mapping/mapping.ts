import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { StreamFunction } from '#shared/manifest';
import { localCredentials } from '../dynamodb-local.ts';
import { openCheckpoints } from './checkpoints.ts';
import { parseFilterPattern } from './filter.ts';
import { poller, type DeadLetter, type StreamTrigger } from './poller.ts';

export type { DeadLetter, StreamTrigger } from './poller.ts';

/**
 * A local stand-in for Lambda event source mappings on the table's DynamoDB stream: the stream of
 * DynamoDB Local, read by one poller per mapping (poller.ts), its records converted to the event
 * Lambda delivers (records.ts), selected by the mapping's filters (filter.ts), with each mapping's
 * position kept across restarts (checkpoints.ts).
 */

/** Lambda polls a DynamoDB stream's shards four times a second; so does the local trigger. */
export const defaultPollIntervalMs = 250;

/** The manifest's stream functions as `npm start` maps them (the CDK construct derives the same settings). */
export function triggersFromManifest(functions: readonly StreamFunction[]): StreamTrigger[] {
  return functions.map((fn) => ({
    functionName: fn.name,
    filters: [fn.filter],
    batchSize: fn.batchSize,
    maxBatchingWindowMs: fn.maxBatchingWindowSeconds * 1000,
    retryAttempts: fn.retryAttempts,
    bisectOnError: true,
    reportBatchItemFailures: true,
    startingPosition: 'LATEST',
  }));
}

export interface DynamoDbStreamsOptions {
  readonly endpoint: string;
  readonly tableName: string;
  /** The deployment's region, for the events' `awsRegion` and ARNs. */
  readonly region: string;
  readonly accountId: string;
  readonly triggers: readonly StreamTrigger[];
  readonly lambda: { invoke(functionName: string, event: unknown): Promise<unknown> };
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

/**
 * Starts one poller per trigger. Resolves once every shard existing now has its iterator, so that a
 * record written after it resolves is delivered even at `LATEST`.
 * @throws UnsupportedFilterError when a trigger's filter is not one the local trigger plays: it
 *   stops the start rather than selecting other records than Lambda would.
 */
export async function startDynamoDbStreams(options: DynamoDbStreamsOptions): Promise<DynamoDbStreams> {
  const filters = new Map(options.triggers.map((trigger) => [trigger, trigger.filters.map(parseFilterPattern)]));
  const pollIntervalMs = options.pollIntervalMs ?? defaultPollIntervalMs;
  const log = options.log ?? ((line: string) => console.log(line));
  const clientConfig = { endpoint: options.endpoint, region: options.region, credentials: localCredentials, maxAttempts: 2 };
  const streams = options.clients?.streams ?? new DynamoDBStreamsClient(clientConfig);
  const dynamoDb = options.clients?.dynamoDb ?? new DynamoDBClient(clientConfig);
  const deadLetters: DeadLetter[] = [];
  const checkpoints = await openCheckpoints(options.dataDirectory, log);

  const pollers = options.triggers.map((trigger) =>
    poller(trigger, {
      ...options,
      filters: filters.get(trigger) ?? [],
      pollIntervalMs,
      retryDelayMs: options.retryDelayMs ?? pollIntervalMs,
      log,
      streams,
      dynamoDb,
      kept: checkpoints.kept(trigger.functionName),
      save: (streamArn, shards) => checkpoints.save(trigger.functionName, streamArn, shards),
      deadLetter: (letter) => deadLetters.push(letter),
    }),
  );
  const stop = async () => {
    await Promise.all(pollers.map((p) => p.stop()));
    await checkpoints.flushed();
    if (options.clients?.streams === undefined) streams.destroy();
    if (options.clients?.dynamoDb === undefined) dynamoDb.destroy();
  };
  try {
    await Promise.all(pollers.map((p) => p.start()));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    pollIntervalMs,
    deadLetters: () => [...deadLetters],
    nextCycle: async () => {
      await Promise.all(pollers.map((p) => p.nextCycle()));
    },
    stop,
  };
}
