import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { inject } from 'vitest';
import { createLocalDynamoDbClient, createTable } from '#infra/local/dynamodb-local';

export interface TestTable {
  readonly tableName: string;
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
}

/** A fresh table in the run's shared DynamoDB Local, so tests never see each other's items. */
export async function createTestTable(): Promise<TestTable> {
  const endpoint = inject('dynamoEndpoint');
  const tableName = `test-${ulid().toLowerCase()}`;
  await createTable(endpoint, tableName);
  const client = createLocalDynamoDbClient(endpoint);
  return { tableName, endpoint, client, documentClient: DynamoDBDocumentClient.from(client) };
}
