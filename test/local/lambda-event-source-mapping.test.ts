import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient, type GetRecordsCommandOutput } from '@aws-sdk/client-dynamodb-streams';
import { ulid } from 'ulid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { streamFunctions } from '#shared/manifest';
import { createLocalDynamoDbClient, createTable, localCredentials, startDynamoDbLocal, type DynamoDbLocal } from '#infra/local/dynamodb-local';
import { matchesFilter, parseFilterPattern, UnsupportedFilterError } from '#infra/local/lambda-event-source-mapping/filter';
import { startDynamoDbStreams, triggersFromManifest, type DynamoDbStreams, type StreamTrigger } from '#infra/local/lambda-event-source-mapping/mapping';
import { awsError } from '#test/helpers/faults';
import { until } from '#test/helpers/wait';

// The local event source mapping on the table's stream, against a real DynamoDB Local: what reaches
// the function, in which order, and what happens when it fails.

let dynamoDb: DynamoDbLocal;
let client: DynamoDBClient;
const running: DynamoDbStreams[] = [];
const directories: string[] = [];

beforeAll(async () => {
  dynamoDb = await startDynamoDbLocal();
  client = createLocalDynamoDbClient(dynamoDb.endpoint);
}, 60_000);

afterEach(async () => {
  await Promise.all(running.splice(0).map((streams) => streams.stop()));
  await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

afterAll(async () => {
  client?.destroy();
  await dynamoDb?.stop();
});

const notify = triggersFromManifest(streamFunctions).find((trigger) => trigger.functionName === 'notify')!;

/** A function that records every batch and answers what `respond` says. */
function recordingFunction(respond: (event: DynamoDBStreamEvent) => unknown = () => ({ batchItemFailures: [] })) {
  const batches: DynamoDBRecord[][] = [];
  return {
    batches,
    delivered: () => batches.flat().map((record) => record.dynamodb?.NewImage?.PK?.S),
    lambda: {
      invoke: async (_functionName: string, event: unknown) => {
        const streamEvent = event as DynamoDBStreamEvent;
        batches.push(streamEvent.Records);
        return respond(streamEvent);
      },
    },
  };
}

async function table(): Promise<string> {
  const tableName = `streams-${ulid().toLowerCase()}`;
  await createTable(dynamoDb.endpoint, tableName);
  return tableName;
}

async function start(
  tableName: string,
  lambda: { invoke(name: string, event: unknown): Promise<unknown> },
  options: { trigger?: Partial<StreamTrigger>; dataDirectory?: string; streams?: DynamoDBStreamsClient } = {},
) {
  const streams = await startDynamoDbStreams({
    endpoint: dynamoDb.endpoint,
    tableName,
    region: 'us-east-1',
    accountId: '000000000000',
    triggers: [{ ...notify, ...options.trigger }],
    lambda,
    pollIntervalMs: 50,
    retryDelayMs: 10,
    log: process.env.STREAMS_LOG ? (line) => console.log(line) : () => undefined,
    ...(options.dataDirectory === undefined ? {} : { dataDirectory: options.dataDirectory }),
    ...(options.streams === undefined ? {} : { clients: { streams: options.streams } }),
  });
  running.push(streams);
  return streams;
}

/** An event item, as every change writes one; `entity` other than EVENT stands for the parcels and slots. */
async function put(tableName: string, pk: string, entity = 'EVENT'): Promise<void> {
  await client.send(new PutItemCommand({ TableName: tableName, Item: { PK: { S: pk }, SK: { S: 'E' }, entity: { S: entity }, blob: { B: Uint8Array.of(1, 2, 3) } } }));
}

function streamsClient(): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient({ endpoint: dynamoDb.endpoint, region: 'us-east-1', credentials: localCredentials });
}

describe('the local DynamoDB stream trigger', () => {
  it('delivers the records in the order they were written, as the event Lambda delivers', async () => {
    // Prepare
    const tableName = await table();
    const fn = recordingFunction();
    await start(tableName, fn.lambda);

    // Act
    for (const pk of ['e1', 'e2', 'e3', 'e4']) await put(tableName, pk);
    await until(() => fn.delivered().length >= 4, 'four records delivered', 10_000);

    // Assess
    expect(fn.delivered()).toEqual(['e1', 'e2', 'e3', 'e4']);
    const record = fn.batches[0]![0]!;
    expect(record).toEqual({
      eventID: expect.any(String),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: { PK: { S: 'e1' }, SK: { S: 'E' } },
        NewImage: { PK: { S: 'e1' }, SK: { S: 'E' }, entity: { S: 'EVENT' }, blob: { B: 'AQID' } },
        SequenceNumber: expect.stringMatching(/^\d+$/),
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: expect.stringMatching(new RegExp(`^arn:aws:dynamodb:us-east-1:\\d{12}:table/${tableName}/stream/`)),
    });
  });

  it('delivers only the records its filter selects: inserted event items', async () => {
    // Prepare
    const tableName = await table();
    const fn = recordingFunction();
    await start(tableName, fn.lambda);

    // Act
    await put(tableName, 'parcel', 'PARCEL');
    await put(tableName, 'event');
    // A MODIFY of an event item: the filter takes inserts only.
    await put(tableName, 'event');
    await put(tableName, 'last');
    await until(() => fn.delivered().includes('last'), 'the last event delivered', 10_000);

    // Assess
    expect(fn.delivered()).toEqual(['event', 'last']);
    expect(fn.batches.flat().every((record) => record.eventName === 'INSERT')).toBe(true);
  });

  it('starts at the latest record: what was written before it started is not delivered', async () => {
    // Prepare
    const tableName = await table();
    await put(tableName, 'before');
    const fn = recordingFunction();

    // Act
    await start(tableName, fn.lambda);
    await put(tableName, 'after');
    await until(() => fn.delivered().includes('after'), 'the record written after start delivered', 10_000);

    // Assess
    expect(fn.delivered()).toEqual(['after']);
  });

  it('acquires an expired iterator again after its checkpoint, losing and repeating nothing', async () => {
    // Prepare
    const tableName = await table();
    const fn = recordingFunction();
    const streams = streamsClient();
    // Once armed, the iterator in use expires: every later call with it is refused, as DynamoDB does.
    let expiredIterator: string | undefined;
    let expired = 0;
    let armed = false;
    streams.middlewareStack.add(
      (next, context) => async (args) => {
        const iterator = (args.input as { ShardIterator?: string }).ShardIterator;
        if (context.commandName === 'GetRecordsCommand' && armed) expiredIterator ??= iterator;
        if (context.commandName === 'GetRecordsCommand' && iterator === expiredIterator) {
          expired += 1;
          throw awsError('ExpiredIteratorException');
        }
        return next(args);
      },
      { step: 'deserialize', name: 'expireIterator', priority: 'high' },
    );
    await start(tableName, fn.lambda, { streams });
    await put(tableName, 'first');
    await until(() => fn.delivered().length === 1, 'the first record delivered', 10_000);

    // Act
    armed = true;
    await put(tableName, 'second');
    await until(() => fn.delivered().includes('second'), 'the second record delivered', 10_000);

    // Assess
    expect(expired).toBeGreaterThan(0);
    expect(fn.delivered()).toEqual(['first', 'second']);
    streams.destroy();
  });

  it('reads an open shard again from its checkpoint when GetRecords gives no next iterator', async () => {
    // Prepare
    const tableName = await table();
    const fn = recordingFunction();
    const streams = streamsClient();
    let omitted = 0;
    streams.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        const output = result.output as GetRecordsCommandOutput;
        if (context.commandName === 'GetRecordsCommand' && (output.Records?.length ?? 0) > 0 && omitted === 0) {
          omitted += 1;
          delete output.NextShardIterator;
        }
        return result;
      },
      { step: 'initialize', name: 'omitNextIterator' },
    );
    await start(tableName, fn.lambda, { streams });

    // Act
    await put(tableName, 'first');
    await until(() => fn.delivered().length === 1, 'the first record delivered', 10_000);
    await put(tableName, 'second');
    await until(() => fn.delivered().includes('second'), 'the second record delivered', 10_000);

    // Assess
    expect(omitted).toBe(1);
    expect(fn.delivered()).toEqual(['first', 'second']);
    streams.destroy();
  });

  it('retries a failing record a bounded number of times, dead-letters it, and delivers the records after it', async () => {
    // Prepare
    const tableName = await table();
    // The poison record fails every time; the others succeed, reported as a partial batch response.
    const fn = recordingFunction((event) => ({
      batchItemFailures: event.Records.filter((record) => record.dynamodb?.NewImage?.PK?.S === 'poison').map((record) => ({
        itemIdentifier: record.dynamodb?.SequenceNumber,
      })),
    }));
    const streams = await start(tableName, fn.lambda, { trigger: { retryAttempts: 2 } });

    // Act
    for (const pk of ['ok1', 'poison', 'ok2']) await put(tableName, pk);
    await until(() => fn.delivered().includes('ok2'), 'the record after the poison one delivered', 10_000);

    // Assess
    // Bisected down to itself (splitting is no retry), then tried once and retried twice.
    const alone = fn.batches.filter((batch) => batch.length === 1 && batch[0]?.dynamodb?.NewImage?.PK?.S === 'poison').length;
    expect(alone).toBe(3);
    const letters = streams.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:notify' },
      version: '1.0',
      DDBStreamBatchInfo: { batchSize: 1, shardId: expect.any(String) },
    });
    const poison = fn.batches.flat().find((record) => record.dynamodb?.NewImage?.PK?.S === 'poison')!;
    expect(letters[0]!.DDBStreamBatchInfo.startSequenceNumber).toBe(poison.dynamodb?.SequenceNumber);
    // The record before the poison one was done at the first failure: never delivered again.
    expect(fn.delivered().filter((pk) => pk === 'ok1')).toHaveLength(1);
    expect(fn.batches.at(-1)?.map((record) => record.dynamodb?.NewImage?.PK?.S)).toEqual(['ok2']);
  });

  it('bisects a batch whose invocation throws, so only the poison record is dead-lettered', async () => {
    // Prepare
    const tableName = await table();
    const fn = recordingFunction((event) => {
      if (event.Records.some((record) => record.dynamodb?.NewImage?.PK?.S === 'poison')) throw new Error('cannot send');
      return { batchItemFailures: [] };
    });
    const succeeded: string[] = [];
    const lambda = {
      invoke: async (name: string, event: unknown) => {
        const result = await fn.lambda.invoke(name, event);
        succeeded.push(...(event as DynamoDBStreamEvent).Records.map((record) => record.dynamodb?.NewImage?.PK?.S ?? ''));
        return result;
      },
    };
    // A window gathers all four records into one batch before the first invocation.
    const streams = await start(tableName, lambda, { trigger: { retryAttempts: 1, maxBatchingWindowMs: 1_000 } });

    // Act
    for (const pk of ['a', 'poison', 'b', 'c']) await put(tableName, pk);
    await until(() => succeeded.includes('c') && streams.deadLetters().length === 1, 'all but the poison record delivered', 10_000);

    // Assess
    expect(fn.batches[0]?.map((record) => record.dynamodb?.NewImage?.PK?.S)).toEqual(['a', 'poison', 'b', 'c']);
    expect(succeeded).toEqual(['a', 'b', 'c']);
    expect(streams.deadLetters()[0]?.DDBStreamBatchInfo.batchSize).toBe(1);
    expect(streams.deadLetters()[0]?.responseContext.functionError).toBe('Unhandled');
  });

  it('delivers nothing twice after success, and resumes after its kept checkpoint on restart', async () => {
    // Prepare
    const tableName = await table();
    const dataDirectory = await mkdtemp(join(tmpdir(), 'streams-'));
    directories.push(dataDirectory);
    const first = recordingFunction();
    const streams = await start(tableName, first.lambda, { dataDirectory });
    await put(tableName, 'e1');
    await until(() => first.delivered().length === 1, 'the first record delivered', 10_000);
    await streams.nextCycle();
    await streams.stop();
    running.splice(running.indexOf(streams), 1);
    // Written while the trigger is stopped: the restarted one must deliver it, and only it.
    await put(tableName, 'e2');

    // Act
    const second = recordingFunction();
    const restarted = await start(tableName, second.lambda, { dataDirectory });
    await put(tableName, 'e3');
    await until(() => second.delivered().includes('e3'), 'the record written after the restart delivered', 10_000);
    await restarted.nextCycle();
    await restarted.nextCycle();

    // Assess
    expect(first.delivered()).toEqual(['e1']);
    expect(second.delivered()).toEqual(['e2', 'e3']);
  });
});

describe('the stream trigger’s filter patterns', () => {
  const record = { eventName: 'INSERT', dynamodb: { NewImage: { entity: { S: 'EVENT' }, tags: { SS: ['a', 'b'] } } } };

  it('matches exact values in nested objects, any of several, and any element of a list', () => {
    // Assess
    expect(matchesFilter(parseFilterPattern(notify.filters[0]), record)).toBe(true);
    expect(matchesFilter(parseFilterPattern('{"eventName":["MODIFY","INSERT"]}'), record)).toBe(true);
    expect(matchesFilter(parseFilterPattern({ eventName: ['MODIFY'] }), record)).toBe(false);
    expect(matchesFilter(parseFilterPattern({ dynamodb: { NewImage: { entity: { S: ['PARCEL'] } } } }), record)).toBe(false);
    expect(matchesFilter(parseFilterPattern({ dynamodb: { OldImage: { entity: { S: ['EVENT'] } } } }), record)).toBe(false);
    expect(matchesFilter(parseFilterPattern({ dynamodb: { NewImage: { tags: { SS: ['b'] } } } }), record)).toBe(true);
  });

  it('refuses, when the trigger starts, a pattern the manifest cannot declare rather than selecting differently from Lambda', async () => {
    // Assess
    expect(() => parseFilterPattern({ $or: [{ eventName: ['INSERT'] }] })).toThrow(UnsupportedFilterError);
    expect(() => parseFilterPattern({ eventName: [{ prefix: 'INS' }] })).toThrow(UnsupportedFilterError);
    expect(() => parseFilterPattern({ eventName: 'INSERT' })).toThrow(UnsupportedFilterError);
    await expect(start(await table(), recordingFunction().lambda, { trigger: { filters: ['{"eventName":[{"anything-but":"REMOVE"}]}'] } })).rejects.toThrow(
      UnsupportedFilterError,
    );
  });
});
