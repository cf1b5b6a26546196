import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '#shared/domain/errors';
import type { AuditEvent } from '#shared/domain/events';
import type { Location, LocationLayout, Locker } from '#shared/domain/location';
import { slotSizes, type FreeCounts, type Slot, type SlotStatus } from '#shared/domain/slot';
import type { LocationRepository } from '#shared/ports';
import { failedAt, transact } from './client.ts';
import { eventItem } from './event-items.ts';
import { entityTypes, freeSlotKeys, freeSlotPartition, keys } from './keys.ts';
import { indexes } from './table.ts';

export class DynamoLocationRepository implements LocationRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(location: Location, event: AuditEvent): Promise<void> {
    const result = await transact(this.client, this.tableName, [
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...keys.location(location.locationId),
            entityTypePk: entityTypes.location,
            entityTypeSk: location.locationId,
            ...location,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      { Put: { TableName: this.tableName, Item: eventItem(event) } },
    ]);
    if (failedAt(result, 0)) throw new ConflictError('LOCATION_EXISTS', 'A location with this id already exists');
    if (!result.ok) throw new Error(`Creating location failed: ${result.reasons.join(',')}`);
  }

  async get(locationId: string): Promise<Location | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.location(locationId) }));
    return Item ? toLocation(Item) : undefined;
  }

  async list(): Promise<Location[]> {
    const items = await this.queryAll({
      IndexName: indexes.entitiesByType.indexName,
      KeyConditionExpression: 'entityTypePk = :type',
      ExpressionAttributeValues: { ':type': entityTypes.location },
    });
    return items.map(toLocation);
  }

  async layout(locationId: string): Promise<LocationLayout> {
    // LOCKER# < META < SLOT#: one range read returns the lockers and slots (and the META item, skipped).
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': keys.location(locationId).PK, ':from': 'LOCKER#', ':to': 'SLOT#\uffff' },
    });
    const slots = items.filter((item) => String(item.SK).startsWith('SLOT#')).map(toSlot);
    const lockers = items
      .filter((item) => String(item.SK).startsWith('LOCKER#'))
      .map((item) => {
        const locker = toLocker(item);
        return { ...locker, slots: slots.filter((slot) => slot.lockerId === locker.lockerId) };
      });
    return { lockers };
  }

  async freeCounts(locationId: string): Promise<FreeCounts> {
    const items = await this.queryAll({
      IndexName: indexes.freeSlots.indexName,
      KeyConditionExpression: 'freeSlotPk = :pk',
      ExpressionAttributeValues: { ':pk': freeSlotPartition(locationId) },
    });
    const counts: FreeCounts = { S: 0, M: 0, L: 0 };
    for (const item of items) {
      const size = slotSizes.find((s) => s === item.size);
      if (size) counts[size] += 1;
    }
    return counts;
  }

  async addLocker(locker: Locker, slots: readonly Slot[], event: AuditEvent): Promise<void> {
    const result = await transact(this.client, this.tableName, [
      {
        ConditionCheck: {
          TableName: this.tableName,
          Key: keys.location(locker.locationId),
          ConditionExpression: 'attribute_exists(PK)',
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: { ...keys.locker(locker.locationId, locker.lockerId), ...locker },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      ...slots.map((slot) => ({ Put: { TableName: this.tableName, Item: slotItem(slot) } })),
      { Put: { TableName: this.tableName, Item: eventItem(event) } },
    ]);
    if (failedAt(result, 0)) throw new NotFoundError('LOCATION_NOT_FOUND', 'No such location');
    if (failedAt(result, 1)) throw new ConflictError('LOCKER_EXISTS', 'A locker with this id already exists here');
    if (!result.ok) throw new Error(`Adding locker failed: ${result.reasons.join(',')}`);
  }

  async removeLocker(locker: Pick<Locker, 'locationId' | 'lockerId'>, event: AuditEvent): Promise<void> {
    const { locationId, lockerId } = locker;
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.locker(locationId, lockerId), ConsistentRead: true }),
    );
    if (!Item) throw new NotFoundError('LOCKER_NOT_FOUND', 'No such locker');
    const slots = (
      await this.queryAll({
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.location(locationId).PK, ':prefix': keys.slotsOfLocker(lockerId) },
        ConsistentRead: true,
      })
    ).map(toSlot);
    if (slots.some((slot) => slot.status === 'OCCUPIED')) throw lockerNotEmpty();
    const result = await transact(this.client, this.tableName, [
      { Delete: { TableName: this.tableName, Key: keys.locker(locationId, lockerId), ConditionExpression: 'attribute_exists(PK)' } },
      // Each slot is deleted only if still not OCCUPIED: a store racing this removal loses cleanly.
      ...slots.map((slot) => ({
        Delete: {
          TableName: this.tableName,
          Key: keys.slot(locationId, lockerId, slot.slotId),
          ConditionExpression: '#status <> :occupied',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':occupied': 'OCCUPIED' },
        },
      })),
      { Put: { TableName: this.tableName, Item: eventItem(event) } },
    ]);
    if (failedAt(result, 0)) throw new NotFoundError('LOCKER_NOT_FOUND', 'No such locker');
    if (!result.ok) throw lockerNotEmpty();
  }

  async setSlotStatus(
    address: Pick<Slot, 'locationId' | 'lockerId' | 'slotId'>,
    status: Exclude<SlotStatus, 'OCCUPIED'>,
    event: AuditEvent,
  ): Promise<Slot> {
    const key = keys.slot(address.locationId, address.lockerId, address.slotId);
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    if (!Item) throw new NotFoundError('SLOT_NOT_FOUND', 'No such slot');
    const slot = toSlot(Item);
    if (slot.status === 'OCCUPIED') throw slotOccupied();
    const free = freeSlotKeys(slot.locationId, slot.size, slot.lockerId, slot.slotId);
    const result = await transact(this.client, this.tableName, [
      {
        Update: {
          TableName: this.tableName,
          Key: key,
          ConditionExpression: 'attribute_exists(PK) AND #status <> :occupied',
          ...(status === 'FREE'
            ? {
                UpdateExpression: 'SET #status = :status, freeSlotPk = :freePk, freeSlotSk = :freeSk',
                ExpressionAttributeValues: { ':status': status, ':occupied': 'OCCUPIED', ':freePk': free.freeSlotPk, ':freeSk': free.freeSlotSk },
              }
            : {
                UpdateExpression: 'SET #status = :status REMOVE freeSlotPk, freeSlotSk',
                ExpressionAttributeValues: { ':status': status, ':occupied': 'OCCUPIED' },
              }),
          ExpressionAttributeNames: { '#status': 'status' },
        },
      },
      { Put: { TableName: this.tableName, Item: eventItem(event) } },
    ]);
    if (!result.ok) throw slotOccupied();
    return { ...slot, status };
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

const lockerNotEmpty = () => new ConflictError('LOCKER_NOT_EMPTY', 'The locker still holds parcels');
const slotOccupied = () => new ConflictError('SLOT_OCCUPIED', 'The slot holds a parcel');

export function slotItem(slot: Slot): Record<string, unknown> {
  return {
    ...keys.slot(slot.locationId, slot.lockerId, slot.slotId),
    ...slot,
    ...(slot.status === 'FREE' ? freeSlotKeys(slot.locationId, slot.size, slot.lockerId, slot.slotId) : {}),
  };
}

function toLocation(item: Record<string, unknown>): Location {
  return {
    locationId: String(item.locationId),
    name: String(item.name),
    address: String(item.address),
    pickupWindowHours: Number(item.pickupWindowHours),
    createdAt: String(item.createdAt),
  };
}

function toLocker(item: Record<string, unknown>): Locker {
  return { locationId: String(item.locationId), lockerId: String(item.lockerId), createdAt: String(item.createdAt) };
}

function toSlot(item: Record<string, unknown>): Slot {
  return {
    locationId: String(item.locationId),
    lockerId: String(item.lockerId),
    slotId: String(item.slotId),
    size: item.size as Slot['size'],
    status: item.status as SlotStatus,
    ...(typeof item.parcelId === 'string' ? { parcelId: item.parcelId } : {}),
  };
}
