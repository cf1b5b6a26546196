import { ulid } from 'ulid';
import { inject } from 'vitest';
import { createTableInput } from '#shared/adapters/dynamodb/table';
import { createTableFrom } from '#infra/local/dynamodb-local';

export interface TestTable {
  readonly tableName: string;
  readonly endpoint: string;
}

/**
 * A fresh table in the run's shared DynamoDB Local, so tests never see each other's items. It has a
 * stream of new and old images, as the deployed table (infra/constructs/data.ts), so the notifier
 * can be tested on the records DynamoDB itself writes.
 */
export async function createTestTable(): Promise<TestTable> {
  const endpoint = inject('dynamoEndpoint');
  const tableName = `test-${ulid().toLowerCase()}`;
  await createTableFrom(endpoint, { ...createTableInput(tableName), StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } });
  return { tableName, endpoint };
}
