import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KioskCounter, KioskWindow } from '#shared/domain/pickup-code';
import type { KioskGuard } from '#shared/ports';
import { kioskBudgetQueries } from './entities/kiosk-budget.ts';

/** A location's kiosk attempts, counted per window in the table (entities/kiosk-budget.ts). */
export class DynamoKioskGuard implements KioskGuard {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  reserve(counter: KioskCounter, window: KioskWindow, budget: number): Promise<boolean> {
    return kioskBudgetQueries.reserve(this.client, this.tableName, counter, window, budget);
  }

  giveBack(counter: KioskCounter, window: KioskWindow): Promise<void> {
    return kioskBudgetQueries.giveBack(this.client, this.tableName, counter, window);
  }
}
