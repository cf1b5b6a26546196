import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '#shared/domain/errors';
import type { AuditEvent } from '#shared/domain/events';
import type { Location, LocationLayout, Locker } from '#shared/domain/location';
import { slotSizes, type FreeCounts, type Slot } from '#shared/domain/slot';
import type { DoorAddress, LocationRepository, Page, PageRequest, Presence } from '#shared/ports';
import { failedAt, transact } from './client.ts';
import type { PageCursors } from './cursor.ts';
import { eventParts } from './entities/event.ts';
import { locationEntity, locationKey, locationParts, locationPartition, toLocation } from './entities/location.ts';
import { lockerEntity, lockerKey, lockerParts, lockerSortKeyPrefix, lockersOfLocationsRange, toLocker } from './entities/locker.ts';
import {
  freeSlotPartition,
  locationFreePartition,
  locationFreeRange,
  locationFreeShardOf,
  lockerOfFreeSlot,
  slotParts,
  slotQueries,
  slotsOfLockerPrefix,
  toSlot,
} from './entities/slot.ts';
import { indexes } from './table.ts';

/** Locations, their lockers and slots: reads, and the admin writes that create or remove them. */
export class DynamoLocationRepository implements LocationRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors: PageCursors,
  ) {}

  async create(location: Location, event: AuditEvent): Promise<void> {
    const result = await transact(this.client, this.tableName, [locationParts.create(location), eventParts.append(event)]);
    if (failedAt(result, 0)) throw new ConflictError('LOCATION_EXISTS', 'A location with this id already exists');
    if (!result.ok) throw new Error(`Creating location failed: ${result.reasons.join(',')}`);
  }

  async get(locationId: string): Promise<Location | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: locationKey(locationId) }));
    return Item ? toLocation(Item) : undefined;
  }

  /** One page of locations, in id order. */
  async list({ limit, cursor }: PageRequest): Promise<Page<Location>> {
    const scope = `${indexes.entitiesByType.indexName}\n${locationEntity}`;
    const start = cursor === undefined ? undefined : this.cursors.decode(cursor, scope);
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: indexes.entitiesByType.indexName,
        KeyConditionExpression: 'entityTypePk = :type',
        ExpressionAttributeValues: { ':type': locationEntity },
        Limit: limit,
        ExclusiveStartKey: start,
      }),
    );
    const next = this.cursors.encode(result.LastEvaluatedKey, scope);
    return { items: (result.Items ?? []).map(toLocation), ...(next ? { cursor: next } : {}) };
  }

  async layout(locationId: string): Promise<LocationLayout> {
    // LOCKER# < META < SLOT#: one range read returns the lockers and slots (and the META item, skipped).
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': locationPartition(locationId), ':from': lockerSortKeyPrefix, ':to': 'SLOT#\uffff' },
    });
    const slots = items.filter((item) => String(item.SK).startsWith('SLOT#')).map(toSlot);
    const lockers = items
      .filter((item) => String(item.SK).startsWith(lockerSortKeyPrefix))
      .map((item) => {
        const locker = toLocker(item);
        return { ...locker, slots: slots.filter((slot) => slot.lockerId === locker.lockerId) };
      });
    return { lockers };
  }

  async lockers(locationId: string): Promise<Locker[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': locationPartition(locationId), ':prefix': lockerSortKeyPrefix },
    });
    return items.map(toLocker);
  }

  /** Free slots of the location's online lockers: a store skips the doors of offline ones, so they are not free to anyone. */
  async freeCounts(locationId: string): Promise<FreeCounts> {
    const [items, lockers] = await Promise.all([
      this.queryAll({
        IndexName: indexes.freeSlots.indexName,
        KeyConditionExpression: 'freeSlotPk = :pk',
        ExpressionAttributeValues: { ':pk': freeSlotPartition(locationId) },
      }),
      this.lockers(locationId),
    ]);
    const online = new Set(lockers.filter((locker) => locker.online).map((locker) => locker.lockerId));
    const counts: FreeCounts = { S: 0, M: 0, L: 0 };
    for (const item of items) {
      const size = slotSizes.find((s) => s === item.size);
      if (size && online.has(lockerOfFreeSlot(item))) counts[size] += 1;
    }
    return counts;
  }

  /**
   * Free counts of many locations with one range read per shard that holds one of them, and one of
   * their lockers (to skip the doors of offline ones, as a store does), however many they are: the
   * reads span the ids from the first to the last, so they are cheapest when contiguous in id
   * order, as a page of `list` is; locations between them not asked for are read and ignored.
   */
  async freeCountsOf(locationIds: readonly string[]): Promise<Map<string, FreeCounts>> {
    const counts = new Map(locationIds.map((locationId): [string, FreeCounts] => [locationId, { S: 0, M: 0, L: 0 }]));
    if (locationIds.length === 0) return counts;
    const sorted = [...locationIds].sort();
    const { from, to } = locationFreeRange(sorted[0]!, sorted.at(-1)!);
    const lockersRange = lockersOfLocationsRange(sorted[0]!, sorted.at(-1)!);
    const shards = [...new Set(locationIds.map(locationFreeShardOf))];
    const [lockers, ...items] = await Promise.all([
      this.queryAll({
        IndexName: indexes.entitiesByType.indexName,
        KeyConditionExpression: 'entityTypePk = :type AND entityTypeSk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':type': lockerEntity, ':from': lockersRange.from, ':to': lockersRange.to },
      }),
      ...shards.map((shard) =>
        this.queryAll({
          IndexName: indexes.freeSlotsByLocation.indexName,
          KeyConditionExpression: 'locationFreePk = :pk AND locationFreeSk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': locationFreePartition(shard), ':from': from, ':to': to },
        }),
      ),
    ]);
    const online = new Set(lockers!.map(toLocker).filter((locker) => locker.online).map((locker) => `${locker.locationId}#${locker.lockerId}`));
    for (const item of items.flat()) {
      const size = slotSizes.find((s) => s === item.size);
      const location = counts.get(String(item.locationId));
      if (size && location && online.has(`${String(item.locationId)}#${lockerOfFreeSlot(item)}`)) location[size] += 1;
    }
    return counts;
  }

  async addLocker(locker: Locker, slots: readonly Slot[], event: AuditEvent): Promise<void> {
    const result = await transact(this.client, this.tableName, [
      locationParts.mustExist(locker.locationId),
      lockerParts.create(locker),
      ...slots.map((slot) => slotParts.create(slot)),
      eventParts.append(event),
    ]);
    if (failedAt(result, 0)) throw new NotFoundError('LOCATION_NOT_FOUND', 'No such location');
    if (failedAt(result, 1)) throw new ConflictError('LOCKER_EXISTS', 'A locker with this id already exists here');
    if (!result.ok) throw new Error(`Adding locker failed: ${result.reasons.join(',')}`);
  }

  async removeLocker(locker: Pick<Locker, 'locationId' | 'lockerId'>, event: AuditEvent): Promise<void> {
    const { locationId, lockerId } = locker;
    const stored = await this.getLocker(locationId, lockerId);
    if (!stored) throw new NotFoundError('LOCKER_NOT_FOUND', 'No such locker');
    const slots = (
      await this.queryAll({
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': locationPartition(locationId), ':prefix': slotsOfLockerPrefix(lockerId) },
        ConsistentRead: true,
      })
    ).map(toSlot);
    if (slots.some((slot) => slot.occupancy === 'OCCUPIED' || slot.command)) throw lockerNotEmpty();
    // Each slot is deleted only if still idle: a store racing this removal loses cleanly.
    const result = await transact(this.client, this.tableName, [
      lockerParts.remove(locationId, lockerId),
      ...slots.map((slot) => slotParts.removeIfIdle(slot)),
      eventParts.append(event),
    ]);
    if (failedAt(result, 0)) throw new NotFoundError('LOCKER_NOT_FOUND', 'No such locker');
    if (!result.ok) throw lockerNotEmpty();
  }

  async getLocker(locationId: string, lockerId: string): Promise<Locker | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: lockerKey(locationId, lockerId), ConsistentRead: true }),
    );
    return Item ? toLocker(Item) : undefined;
  }

  getSlot(address: DoorAddress): Promise<Slot | undefined> {
    return slotQueries.get(this.client, this.tableName, address);
  }

  slotsDue(now: Date, limit: number): Promise<Slot[]> {
    return slotQueries.due(this.client, this.tableName, now, limit);
  }

  async recordPresence(locker: Pick<Locker, 'locationId' | 'lockerId'>, presence: Presence, event: AuditEvent): Promise<boolean> {
    // Lifecycle events can arrive late and out of order: apply one only if it is newer than the
    // one applied, by AWS's versionNumber and then time.
    const result = await transact(this.client, this.tableName, [
      {
        Update: {
          TableName: undefined,
          Key: lockerKey(locker.locationId, locker.lockerId),
          // One connection's connected and disconnected events share a versionNumber; the disconnect
          // comes second. AWS restarts a client's versionNumber after about an hour disconnected, so
          // an event an hour newer than the one applied wins whatever its number.
          ConditionExpression: presence.online
            ? 'attribute_exists(PK) AND (attribute_not_exists(presenceVersion) OR presenceVersion < :version OR presenceAt < :reset)'
            : 'attribute_exists(PK) AND (attribute_not_exists(presenceVersion) OR presenceVersion < :version OR presenceAt < :reset OR (presenceVersion = :version AND #online = :true))',
          UpdateExpression: 'SET #online = :online, presenceVersion = :version, presenceAt = :at',
          // `online` is a DynamoDB reserved word.
          ExpressionAttributeNames: { '#online': 'online' },
          ExpressionAttributeValues: {
            ':online': presence.online,
            ':version': presence.version,
            ':at': presence.at,
            ':reset': new Date(Date.parse(presence.at) - 3_600_000).toISOString(),
            ...(presence.online ? {} : { ':true': true }),
          },
        },
      },
      eventParts.append(event),
    ]);
    if (result.ok) return true;
    if (failedAt(result, 0)) return false;
    throw new Error(`Recording presence failed: ${result.reasons.join(',')}`);
  }

  private async queryAll(input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>) {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey }));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }
}

const lockerNotEmpty = () => new ConflictError('LOCKER_NOT_EMPTY', 'The locker still holds parcels or has a door command under way');
