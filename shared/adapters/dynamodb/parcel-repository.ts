import { createHash } from 'node:crypto';
import { GetCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '#shared/domain/errors';
import type { AuditEvent } from '#shared/domain/events';
import type { AttemptState } from '#shared/domain/pickup-code';
import type { SlotAddress, SlotSize } from '#shared/domain/slot';
import type {
  IdempotencyRecord,
  NewParcel,
  Page,
  PageRequest,
  ParcelRepository,
  ParcelTransition,
  StoreOutcome,
  StoredParcel,
} from '#shared/ports';
import { conflicted, decodeCursor, encodeCursor, failedAt, transact, type TransactItem } from './client.ts';
import { eventItem } from './event-items.ts';
import {
  entityTypes,
  expiryPartition,
  expiryShardOf,
  expiryShards,
  freeSlotKeys,
  freeSlotLowerBound,
  freeSlotPartition,
  keys,
  locationPartition,
  recipientPartition,
} from './keys.ts';
import { indexes, ttlAttribute } from './table.ts';

/** How many free candidates one store reads: enough to ride out a burst of concurrent claims. */
const candidateLimit = 25;

const parcelFields = [
  'parcelId', 'locationId', 'lockerId', 'slotId', 'slotSize', 'size', 'recipientId', 'carrierId', 'status',
  'createdAt', 'updatedAt', 'expiresAt', 'failedAttempts', 'lockedUntil', 'version',
  'pickupCodeHash', 'sealedPickupCode', 'idempotencyKey',
] as const;

export class DynamoParcelRepository implements ParcelRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async findFreeSlots(locationId: string, size: SlotSize): Promise<SlotAddress[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: indexes.freeSlots.indexName,
        KeyConditionExpression: 'freeSlotPk = :pk AND freeSlotSk >= :from',
        ExpressionAttributeValues: { ':pk': freeSlotPartition(locationId), ':from': freeSlotLowerBound(size) },
        Limit: candidateLimit,
      }),
    );
    return Items.map((item) => ({
      locationId,
      lockerId: String(item.lockerId),
      slotId: String(item.slotId),
      size: item.size as SlotSize,
    }));
  }

  async store({ parcel, idempotency, event }: NewParcel): Promise<StoreOutcome> {
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: keys.slot(parcel.locationId, parcel.lockerId, parcel.slotId),
          // The one place a slot is claimed: only while FREE, so it can never hold two parcels.
          ConditionExpression: '#status = :free',
          UpdateExpression: 'SET #status = :occupied, parcelId = :parcelId REMOVE freeSlotPk, freeSlotSk',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':free': 'FREE', ':occupied': 'OCCUPIED', ':parcelId': parcel.parcelId },
        },
      },
      { Put: { TableName: this.tableName, Item: parcelItem(parcel), ConditionExpression: 'attribute_not_exists(PK)' } },
      {
        Put: {
          TableName: this.tableName,
          Item: { ...keys.pickupCode(parcel.locationId, parcel.pickupCodeHash), parcelId: parcel.parcelId },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      { Put: { TableName: this.tableName, Item: eventItem(event) } },
    ];
    if (idempotency) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            ...keys.idempotency(idempotency.ownerSub, idempotency.key),
            parcelId: parcel.parcelId,
            requestHash: idempotency.requestHash,
            [ttlAttribute]: Math.floor(idempotency.expiresAt.getTime() / 1000),
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      });
    }
    const result = await transact(this.client, this.tableName, items, requestToken(parcel.parcelId, parcel.lockerId, parcel.slotId, parcel.pickupCodeHash));
    if (result.ok) return { kind: 'stored' };
    if (failedAt(result, 1)) return { kind: 'parcel-exists' };
    if (failedAt(result, 4)) return { kind: 'idempotency-key-taken' };
    if (failedAt(result, 0)) return { kind: 'slot-taken' };
    if (failedAt(result, 2)) return { kind: 'code-taken' };
    if (conflicted(result)) return { kind: 'conflict' };
    throw new Error(`Storing parcel failed: ${result.reasons.join(',')}`);
  }

  async get(parcelId: string): Promise<StoredParcel | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.parcel(parcelId), ConsistentRead: true }),
    );
    return Item ? toParcel(Item) : undefined;
  }

  async findIdempotencyRecord(ownerSub: string, key: string): Promise<IdempotencyRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.idempotency(ownerSub, key), ConsistentRead: true }),
    );
    return Item ? { parcelId: String(Item.parcelId), requestHash: String(Item.requestHash) } : undefined;
  }

  async findByPickupCode(locationId: string, pickupCodeHash: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.pickupCode(locationId, pickupCodeHash), ConsistentRead: true }),
    );
    return Item ? String(Item.parcelId) : undefined;
  }

  async transition({ parcel, to, freeSlot, event, at }: ParcelTransition): Promise<boolean> {
    const leavingStored = parcel.status === 'STORED';
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: keys.parcel(parcel.parcelId),
          ConditionExpression: 'version = :version',
          // Leaving STORED drops the code and the expiry-index keys: the code stops working and the sweep forgets the parcel.
          UpdateExpression: `SET #status = :to, updatedAt = :at, version = :next${
            leavingStored ? ' REMOVE pickupCodeHash, sealedPickupCode, expiryPk, expirySk' : ''
          }`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':to': to, ':at': at.toISOString(), ':version': parcel.version, ':next': parcel.version + 1 },
        },
      },
      { Put: { TableName: this.tableName, Item: eventItem(event) } },
    ];
    if (leavingStored && parcel.pickupCodeHash) {
      items.push({ Delete: { TableName: this.tableName, Key: keys.pickupCode(parcel.locationId, parcel.pickupCodeHash) } });
    }
    if (freeSlot) {
      const free = freeSlotKeys(parcel.locationId, parcel.slotSize, parcel.lockerId, parcel.slotId);
      items.push({
        Update: {
          TableName: this.tableName,
          Key: keys.slot(parcel.locationId, parcel.lockerId, parcel.slotId),
          ConditionExpression: 'parcelId = :parcelId',
          UpdateExpression: 'SET #status = :free, freeSlotPk = :freePk, freeSlotSk = :freeSk REMOVE parcelId',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':parcelId': parcel.parcelId,
            ':free': 'FREE',
            ':freePk': free.freeSlotPk,
            ':freeSk': free.freeSlotSk,
          },
        },
      });
    }
    const result = await transact(this.client, this.tableName, items);
    if (result.ok) return true;
    if (failedAt(result, 0) || conflicted(result)) return false;
    throw new Error(`Parcel transition to ${to} failed: ${result.reasons.join(',')}`);
  }

  async recordWrongCode(parcel: StoredParcel, previous: AttemptState, next: AttemptState, event: AuditEvent): Promise<boolean> {
    const result = await transact(this.client, this.tableName, [
      {
        Update: {
          TableName: this.tableName,
          Key: keys.parcel(parcel.parcelId),
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
      { Put: { TableName: this.tableName, Item: eventItem(event) } },
    ]);
    if (result.ok) return true;
    if (failedAt(result, 0) || conflicted(result)) return false;
    throw new Error(`Recording a wrong code failed: ${result.reasons.join(',')}`);
  }

  async replaceCode(parcel: StoredParcel, code: { hash: string; sealed: string }, event: AuditEvent) {
    // The same code drawn again would put and delete one item in one transaction, which DynamoDB
    // refuses outright; it is a collision like any other, so the caller draws again.
    if (code.hash === parcel.pickupCodeHash) return 'code-taken' as const;
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: keys.parcel(parcel.parcelId),
          ConditionExpression: 'version = :version AND #status = :stored',
          UpdateExpression: 'SET pickupCodeHash = :hash, sealedPickupCode = :sealed, version = :next',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':version': parcel.version,
            ':next': parcel.version + 1,
            ':stored': 'STORED',
            ':hash': code.hash,
            ':sealed': code.sealed,
          },
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: { ...keys.pickupCode(parcel.locationId, code.hash), parcelId: parcel.parcelId },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      { Put: { TableName: this.tableName, Item: eventItem(event) } },
    ];
    if (parcel.pickupCodeHash) {
      items.push({ Delete: { TableName: this.tableName, Key: keys.pickupCode(parcel.locationId, parcel.pickupCodeHash) } });
    }
    const result = await transact(this.client, this.tableName, items);
    if (result.ok) return 'replaced' as const;
    if (failedAt(result, 1)) return 'code-taken' as const;
    if (failedAt(result, 0) || conflicted(result)) return 'stale' as const;
    throw new Error(`Replacing a pickup code failed: ${result.reasons.join(',')}`);
  }

  listByRecipient(recipientId: string, page: PageRequest, filter: { locationId?: string } = {}): Promise<Page<StoredParcel>> {
    return this.page(
      {
        IndexName: indexes.parcelsByRecipient.indexName,
        KeyConditionExpression: 'recipientPk = :pk',
        ExpressionAttributeValues: { ':pk': recipientPartition(recipientId), ...(filter.locationId ? { ':loc': filter.locationId } : {}) },
        ...(filter.locationId ? { FilterExpression: 'locationId = :loc' } : {}),
      },
      { recipientPk: recipientPartition(recipientId) },
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
      { locationPk: locationPartition(locationId) },
      page,
    );
  }

  listAll(page: PageRequest): Promise<Page<StoredParcel>> {
    return this.page(
      {
        IndexName: indexes.entitiesByType.indexName,
        KeyConditionExpression: 'entityTypePk = :type',
        ExpressionAttributeValues: { ':type': entityTypes.parcel },
      },
      { entityTypePk: entityTypes.parcel },
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
      .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt))
      .slice(0, limit);
  }

  private async page(
    query: Omit<QueryCommandInput, 'TableName'>,
    partition: Record<string, string>,
    { limit, cursor }: PageRequest,
  ): Promise<Page<StoredParcel>> {
    const start = cursor === undefined ? undefined : decodeCursor(cursor, partition);
    if (cursor !== undefined && !start) throw new ValidationError('The cursor is not valid for this listing', [{ path: 'cursor', message: 'invalid' }]);
    const result = await this.client.send(
      new QueryCommand({ ...query, TableName: this.tableName, Limit: limit, ScanIndexForward: false, ExclusiveStartKey: start }),
    );
    const next = encodeCursor(result.LastEvaluatedKey);
    return { items: (result.Items ?? []).map(toParcel), ...(next ? { cursor: next } : {}) };
  }
}

function parcelItem(parcel: StoredParcel): Record<string, unknown> {
  const sortKey = `${parcel.createdAt}#${parcel.parcelId}`;
  return {
    ...keys.parcel(parcel.parcelId),
    ...parcel,
    recipientPk: recipientPartition(parcel.recipientId),
    recipientSk: sortKey,
    locationPk: locationPartition(parcel.locationId),
    locationSk: sortKey,
    entityTypePk: entityTypes.parcel,
    entityTypeSk: sortKey,
    ...(parcel.status === 'STORED'
      ? { expiryPk: expiryPartition(expiryShardOf(parcel.parcelId)), expirySk: `${parcel.expiresAt}#${parcel.parcelId}` }
      : {}),
  };
}

function toParcel(item: Record<string, unknown>): StoredParcel {
  const picked: Record<string, unknown> = {};
  for (const field of parcelFields) if (item[field] !== undefined) picked[field] = item[field];
  return picked as unknown as StoredParcel;
}

/** Same claim, same token: DynamoDB then treats the SDK's retry of a committed claim as a no-op. */
function requestToken(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 36);
}
