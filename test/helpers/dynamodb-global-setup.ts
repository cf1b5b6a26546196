import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '#infra/local/dynamodb-local';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

/**
 * One DynamoDB Local per test run (the JVM takes seconds to start); every test file then isolates
 * itself with its own table (see `createTestTable`).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dynamoDb = await startDynamoDbLocal();
  project.provide('dynamoEndpoint', dynamoDb.endpoint);
  return () => dynamoDb.stop();
}
