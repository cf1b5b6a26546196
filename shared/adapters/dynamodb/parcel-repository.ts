import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '#shared/domain/events';
import type { AttemptState } from '#shared/domain/pickup-code';
import type { IdempotencyRecord, IdempotentRefusal, Page, PageRequest, ParcelRepository, StoredParcel } from '#shared/ports';
import { conflicted, failedAt, transact } from './client.ts';
import type { PageCursors } from './cursor.ts';
import { codeQueries } from './entities/code.ts';
import { eventParts } from './entities/event.ts';
import { idempotencyQueries } from './entities/idempotency.ts';
import { parcelParts, parcelQueries } from './entities/parcel.ts';

/** The parcels' named access patterns; changes of state go through the change writer. */
export class DynamoParcelRepository implements ParcelRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors: PageCursors,
  ) {}

  get(parcelId: string): Promise<StoredParcel | undefined> {
    return parcelQueries.get(this.client, this.tableName, parcelId);
  }

  findIdempotencyRecord(ownerSub: string, key: string): Promise<IdempotencyRecord | undefined> {
    return idempotencyQueries.find(this.client, this.tableName, ownerSub, key);
  }

  recordRefusal(ownerSub: string, key: string, requestHash: string, refusal: IdempotentRefusal, at: Date): Promise<boolean> {
    return idempotencyQueries.refuse(this.client, this.tableName, { ownerSub, key, requestHash, refusal, at });
  }

  findByPickupCode(locationId: string, pickupCodeHash: string): Promise<string | undefined> {
    return codeQueries.parcelWithCode(this.client, this.tableName, locationId, pickupCodeHash);
  }

  async recordWrongCode(parcel: StoredParcel, previous: AttemptState, next: AttemptState, event: AuditEvent): Promise<boolean> {
    const result = await transact(this.client, this.tableName, [parcelParts.recordWrongCode(parcel, previous, next), eventParts.append(event)]);
    if (result.ok) return true;
    if (failedAt(result, 0) || conflicted(result)) return false;
    throw new Error(`Recording a wrong code failed: ${result.reasons.join(',')}`);
  }

  listByRecipient(recipientId: string, page: PageRequest, filter: { locationId?: string } = {}): Promise<Page<StoredParcel>> {
    return parcelQueries.byRecipient(this.client, this.tableName, this.cursors, recipientId, page, filter);
  }

  listByLocation(locationId: string, page: PageRequest): Promise<Page<StoredParcel>> {
    return parcelQueries.byLocation(this.client, this.tableName, this.cursors, locationId, page);
  }

  listAll(page: PageRequest): Promise<Page<StoredParcel>> {
    return parcelQueries.all(this.client, this.tableName, this.cursors, page);
  }

  dueForExpiry(now: Date, limit: number): Promise<StoredParcel[]> {
    return parcelQueries.dueForExpiry(this.client, this.tableName, now, limit);
  }

  dueForReminder(now: Date, horizonHours: number, limit: number): Promise<StoredParcel[]> {
    return parcelQueries.dueForReminder(this.client, this.tableName, now, horizonHours, limit);
  }
}
