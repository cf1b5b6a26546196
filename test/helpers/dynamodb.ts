import { ulid } from 'ulid';
import { inject } from 'vitest';
import { createTable } from '#infra/local/dynamodb-local';

export interface TestTable {
  readonly tableName: string;
  readonly endpoint: string;
}

/** A fresh table in the run's shared DynamoDB Local, so tests never see each other's items. */
export async function createTestTable(): Promise<TestTable> {
  const endpoint = inject('dynamoEndpoint');
  const tableName = `test-${ulid().toLowerCase()}`;
  await createTable(endpoint, tableName);
  return { tableName, endpoint };
}
