import { DynamoDBClient, TransactionCanceledException, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  QueryCommand,
  TransactWriteCommand,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { sdkSettings, type SdkSettings } from '#shared/config';
import { UnavailableError } from '#shared/domain/errors';
import type { Page, PageRequest } from '#shared/ports';
import { clientOptions, keepingDeadline } from '../sdk.ts';
import type { PageCursors, StartKey } from './cursor.ts';

/** The table's client with our timeouts and bounded retries; the endpoint follows `AWS_ENDPOINT_URL_DYNAMODB` locally. */
export function createDynamoDbClient(config: DynamoDBClientConfig = {}, settings: SdkSettings = sdkSettings()): DynamoDBClient {
  return new DynamoDBClient({ ...clientOptions(settings), ...config });
}

/**
 * Whatever client it is given (tests bring their own) keeps to the invocation's deadline and
 * answers an unknown outcome as `UnavailableError`, as in production.
 */
export function createDocumentClient(client = createDynamoDbClient()): DynamoDBDocumentClient {
  // A missing table is one being created (again, after DynamoDB Local restarted in memory), never
  // an answer about an item: try again. (For the shadows, ResourceNotFound is an answer.)
  return DynamoDBDocumentClient.from(keepingDeadline(client, 'The table', ['ResourceNotFoundException']), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** `None` for items that passed; otherwise DynamoDB's reason, e.g. `ConditionalCheckFailed`, `TransactionConflict`. */
export type TransactResult = { readonly ok: true } | { readonly ok: false; readonly reasons: readonly string[] };

/**
 * One atomic write of several items. A cancelled transaction is an answer, not a failure: the
 * caller reads per-item reasons to tell a lost race from a taken code.
 * `clientRequestToken` makes the SDK's own retries of the same call idempotent for 10 minutes,
 * so a response lost after the commit cannot apply the change twice.
 */
export async function transact(
  client: DynamoDBDocumentClient,
  tableName: string,
  items: readonly TransactItem[],
  clientRequestToken?: string,
): Promise<TransactResult> {
  const command = new TransactWriteCommand({
    TransactItems: items.map((item) => withTable(item, tableName)),
    ...(clientRequestToken ? { ClientRequestToken: clientRequestToken } : {}),
  });
  let result: TransactResult = { ok: true };
  // A TransactionConflict means another transaction held one of our items: nothing was written
  // and the same request can simply go again. The SDK does not retry it, so every caller would
  // otherwise have to; callers only see a conflict that outlasts these attempts.
  for (let attempt = 1; attempt <= conflictAttempts; attempt++) {
    try {
      await client.send(command);
      return { ok: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      result = { ok: false, reasons: (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None') };
      // The SDK does not retry a cancelled transaction, whatever the reason: a throttled part is
      // the table saying "not now", and the cancelled transaction wrote nothing. Said here, once,
      // so that no caller turns it into a 500.
      if (result.reasons.some((reason) => throttledReasons.has(reason))) {
        throw new UnavailableError('The table is busy; nothing was changed, try again');
      }
      if (!conflicted(result) || attempt === conflictAttempts) return result;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt));
    }
  }
  return result;
}

const conflictAttempts = 3;

const throttledReasons = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded']);

function withTable(item: TransactItem, tableName: string): TransactItem {
  if (item.Put) return { Put: { ...item.Put, TableName: tableName } };
  if (item.Update) return { Update: { ...item.Update, TableName: tableName } };
  if (item.Delete) return { Delete: { ...item.Delete, TableName: tableName } };
  if (item.ConditionCheck) return { ConditionCheck: { ...item.ConditionCheck, TableName: tableName } };
  return item;
}

export const failedAt = (result: TransactResult, index: number, code = 'ConditionalCheckFailed') =>
  !result.ok && result.reasons[index] === code;

export const conflicted = (result: TransactResult) => !result.ok && result.reasons.includes('TransactionConflict');

/** A single-item write refused by its condition: an answer (taken, stale, spent), not a failure. */
export const conditionFailed = (error: unknown) => error instanceof Error && error.name === 'ConditionalCheckFailedException';

/** A Query of the table as an entity names it: the table and the place to start are the helpers' to add. */
export type QueryInput = Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>;

export type Item = Record<string, unknown>;

/**
 * Every item a Query matches, page after page: a page ends at 1 MB (or at `Limit`) with more
 * behind it. With `atLeast`, reading stops once that many items are in hand, for a query whose
 * filter drops items after they are read and so can leave a page short with more behind it.
 */
export async function queryAll(client: DynamoDBDocumentClient, tableName: string, input: QueryInput, atLeast?: number): Promise<Item[]> {
  const items: Item[] = [];
  let start: StartKey | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, TableName: tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined && (atLeast === undefined || items.length < atLeast));
  return items;
}

/**
 * One range read per shard of a sharded index, all at once. With `first`, each shard is read up
 * to `limit` items (the most the answer can take from one shard) and the answer is the `limit`
 * items of every shard that come first by the attribute `by` (a timestamp), ascending.
 */
export async function queryShards(
  client: DynamoDBDocumentClient,
  tableName: string,
  read: {
    /** How many shards (0 to n - 1 are read), or which ones. */
    readonly shards: number | readonly number[];
    readonly query: (shard: number) => QueryInput;
    readonly first?: { readonly limit: number; readonly by: string };
  },
): Promise<Item[]> {
  const { first } = read;
  const shards = typeof read.shards === 'number' ? Array.from({ length: read.shards }, (_, shard) => shard) : read.shards;
  const items = (
    await Promise.all(
      shards.map((shard) =>
        queryAll(client, tableName, { ...read.query(shard), ...(first ? { Limit: first.limit } : {}) }, first?.limit),
      ),
    )
  ).flat();
  if (!first) return items;
  const key = (item: Item) => (typeof item[first.by] === 'string' ? (item[first.by] as string) : '');
  return items.sort((a, b) => key(a).localeCompare(key(b))).slice(0, first.limit);
}

/**
 * One page of a listing, continuing from a client's cursor. `scope` names the listing (index and
 * partition): a cursor continues only the listing that issued it.
 */
export async function queryPage(
  client: DynamoDBDocumentClient,
  tableName: string,
  cursors: PageCursors,
  listing: { readonly query: QueryInput; readonly scope: string },
  { limit, cursor }: PageRequest,
): Promise<Page<Item>> {
  const start = cursor === undefined ? undefined : cursors.decode(cursor, listing.scope);
  const result = await client.send(new QueryCommand({ ...listing.query, TableName: tableName, Limit: limit, ExclusiveStartKey: start }));
  const next = cursors.encode(result.LastEvaluatedKey, listing.scope);
  return { items: result.Items ?? [], ...(next ? { cursor: next } : {}) };
}
