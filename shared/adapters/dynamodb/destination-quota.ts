import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DestinationBudget, QuotaWindow } from '#shared/domain/verification';
import type { DestinationQuota } from '#shared/ports';
import { destinationQuotaQueries } from './entities/destination-quota.ts';

export class DynamoDestinationQuota implements DestinationQuota {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  reserve(destinationKey: string, window: QuotaWindow, limit: number, budget: DestinationBudget): Promise<boolean> {
    return destinationQuotaQueries.reserve(this.client, this.tableName, destinationKey, window, limit, budget);
  }
}
