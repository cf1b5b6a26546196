import { DynamoDBClient, TransactionCanceledException, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { sdkSettings, type SdkSettings } from '#shared/config';
import { UnavailableError } from '#shared/domain/errors';
import { clientOptions, keepingDeadline } from '../sdk.ts';

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
