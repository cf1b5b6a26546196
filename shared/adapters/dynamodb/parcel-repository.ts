import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '#shared/domain/events';
import type { AttemptState } from '#shared/domain/pickup-code';
import type { SlotAddress, SlotSize } from '#shared/domain/slot';
import type { IdempotencyRecord, IdempotentRefusal, Page, PageRequest, ParcelRepository, StoredParcel } from '#shared/ports';
import { conflicted, failedAt, transact } from './client.ts';
import type { PageCursors } from './cursor.ts';
import { codeQueries } from './entities/code.ts';
import { eventParts } from './entities/event.ts';
import { idempotencyQueries } from './entities/idempotency.ts';
import { locationPartition } from './entities/location.ts';
import { expiryPartition, expiryShards, parcelEntity, parcelKey, parcelQueries, recipientPartition, toParcel } from './entities/parcel.ts';
import { slotQueries } from './entities/slot.ts';
import { indexes } from './table.ts';

/** The parcels' named access patterns; changes of state go through the change writer. */
export class DynamoParcelRepository implements ParcelRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors: PageCursors,
  ) {}

  findFreeSlots(locationId: string, size: SlotSize): Promise<SlotAddress[]> {
    return slotQueries.freeCandidates(this.client, this.tableName, locationId, size);
  }

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
    const result = await transact(this.client, this.tableName, [
      {
        Update: {
          TableName: this.tableName,
          Key: parcelKey(parcel.parcelId),
          ConditionExpression: 'version = :version AND failedAttempts = :previous',
          UpdateExpression: next.lockedUntil
            ? 'SET failedAttempts = :attempts, lockedUntil = :lockedUntil, version = :next'
            : 'SET failedAttempts = :attempts, version = :next REMOVE lockedUntil',
          ExpressionAttributeValues: {
            ':version': parcel.version,
            ':next': parcel.version + 1,
            ':previous': previous.failedAttempts,
            ':attempts': next.failedAttempts,
            ...(next.lockedUntil ? { ':lockedUntil': next.lockedUntil } : {}),
          },
        },
      },
      eventParts.append(event),
    ]);
    if (result.ok) return true;
    if (failedAt(result, 0) || conflicted(result)) return false;
    throw new Error(`Recording a wrong code failed: ${result.reasons.join(',')}`);
  }

  listByRecipient(recipientId: string, page: PageRequest, filter: { locationId?: string } = {}): Promise<Page<StoredParcel>> {
    return this.page(
      {
        IndexName: indexes.parcelsByRecipient.indexName,
        KeyConditionExpression: 'recipientPk = :pk',
        ExpressionAttributeValues: { ':pk': recipientPartition(recipientId), ...(filter.locationId ? { ':loc': filter.locationId } : {}) },
        ...(filter.locationId ? { FilterExpression: 'locationId = :loc' } : {}),
      },
      `${indexes.parcelsByRecipient.indexName}\n${recipientPartition(recipientId)}`,
      page,
    );
  }

  listByLocation(locationId: string, page: PageRequest): Promise<Page<StoredParcel>> {
    return this.page(
      {
        IndexName: indexes.parcelsByLocation.indexName,
        KeyConditionExpression: 'locationPk = :pk',
        ExpressionAttributeValues: { ':pk': locationPartition(locationId) },
      },
      `${indexes.parcelsByLocation.indexName}\n${locationPartition(locationId)}`,
      page,
    );
  }

  listAll(page: PageRequest): Promise<Page<StoredParcel>> {
    return this.page(
      {
        IndexName: indexes.entitiesByType.indexName,
        KeyConditionExpression: 'entityTypePk = :type',
        ExpressionAttributeValues: { ':type': parcelEntity },
      },
      `${indexes.entitiesByType.indexName}\n${parcelEntity}`,
      page,
    );
  }

  async dueForExpiry(now: Date, limit: number): Promise<StoredParcel[]> {
    // Every key at or before `now`: ISO timestamps sort as text, and "#" sorts below "\uffff".
    const upTo = `${now.toISOString()}\uffff`;
    const shards = await Promise.all(
      Array.from({ length: expiryShards }, (_, shard) =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: indexes.parcelsByExpiry.indexName,
            KeyConditionExpression: 'expiryPk = :pk AND expirySk <= :upTo',
            ExpressionAttributeValues: { ':pk': expiryPartition(shard), ':upTo': upTo },
            Limit: limit,
          }),
        ),
      ),
    );
    return shards
      .flatMap((shard) => shard.Items ?? [])
      .map(toParcel)
      .sort((a, b) => (a.expiresAt ?? '').localeCompare(b.expiresAt ?? ''))
      .slice(0, limit);
  }

  async dueForReminder(now: Date, horizonHours: number, limit: number): Promise<StoredParcel[]> {
    const after = `${now.toISOString()}\uffff`;
    const upTo = `${new Date(now.getTime() + horizonHours * 3_600_000).toISOString()}\uffff`;
    const shards = await Promise.all(
      Array.from({ length: expiryShards }, async (_, shard) => {
        // The filter drops reminded parcels after they are read, so a page can come back short
        // with more behind it: read on until `limit` are found or the range ends.
        const found: Record<string, unknown>[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const page = await this.client.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: indexes.parcelsByExpiry.indexName,
              KeyConditionExpression: 'expiryPk = :pk AND expirySk BETWEEN :after AND :upTo',
              FilterExpression: 'attribute_not_exists(remindedAt)',
              ExpressionAttributeValues: { ':pk': expiryPartition(shard), ':after': after, ':upTo': upTo },
              Limit: limit,
              ExclusiveStartKey: start,
            }),
          );
          found.push(...(page.Items ?? []));
          start = page.LastEvaluatedKey;
        } while (start !== undefined && found.length < limit);
        return found;
      }),
    );
    return shards
      .flat()
      .map(toParcel)
      .sort((a, b) => (a.expiresAt ?? '').localeCompare(b.expiresAt ?? ''))
      .slice(0, limit);
  }

  /** `scope` names the listing (index and partition): a cursor continues only the listing that issued it. */
  private async page(query: Omit<QueryCommandInput, 'TableName'>, scope: string, { limit, cursor }: PageRequest): Promise<Page<StoredParcel>> {
    const start = cursor === undefined ? undefined : this.cursors.decode(cursor, scope);
    const result = await this.client.send(
      new QueryCommand({ ...query, TableName: this.tableName, Limit: limit, ScanIndexForward: false, ExclusiveStartKey: start }),
    );
    const next = this.cursors.encode(result.LastEvaluatedKey, scope);
    return { items: (result.Items ?? []).map(toParcel), ...(next ? { cursor: next } : {}) };
  }
}
