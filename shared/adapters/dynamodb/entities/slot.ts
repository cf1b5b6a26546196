import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isAllocatable, slotSizes, statusOf, type ActiveCommand, type FreeCounts, type Slot, type SlotAddress, type SlotSize } from '#shared/domain/slot';
import type { Locker } from '#shared/domain/location';
import type { DoorAddress } from '#shared/ports';
import { queryAll, queryShards, type Item, type TransactItem } from '../client.ts';
import { indexes } from '../table.ts';
import { locationPartition } from './location.ts';
import { shardOf } from './shard.ts';

/**
 * The slot entity: `LOC#<loc>` / `SLOT#<locker>#<slot>`. Three sparse indexes are derived from its
 * state, never set by hand: the free-slot index and the free-slots-by-location index (both present
 * only while a store may claim it) and the deadline index (present only while it waits on its door).
 */
export const slotEntity = 'SLOT';
export const slotSortKeyPrefix = 'SLOT#';
export const slotKey = ({ locationId, lockerId, slotId }: DoorAddress) => ({ PK: locationPartition(locationId), SK: `${slotSortKeyPrefix}${lockerId}#${slotId}` });
const slotsOfLockerPrefix = (lockerId: string) => `${slotSortKeyPrefix}${lockerId}#`;

const sizeOrder: Record<SlotSize, string> = { S: '0', M: '1', L: '2' };
export const freeSlotPartition = (locationId: string) => `FREE#${locationId}`;
/** Sort-key lower bound: every size from `size` up, smallest first, which is best fit's order. */
export const freeSlotLowerBound = (size: SlotSize) => sizeOrder[size];

/**
 * Free slots of many locations at once, for listings: a location's free slots all sit in one shard
 * (by its id), sorted by location id, so the free counts of a page of locations are one range read
 * per shard, however many locations the page holds. Four shards spread the writes of every claim
 * and release over four partitions instead of one hot key (each takes 1,000 writes a second, ten
 * times a national network's peak of slots changing), while a page costs 1 + 4 queries, not 1 + 8,
 * which cut a page's latency by about a third locally (bench/LOCATIONS.md).
 */
export const locationFreeShards = 4;
export const locationFreePartition = (shard: number) => `FREESLOTS#${shard}`;
export const locationFreeShardOf = (locationId: string) => shardOf(locationId, locationFreeShards);
/**
 * Sort-key bounds covering every free slot of the locations from `first` to `last` (in id order).
 * Ids never contain `#`, which sorts below every character an id may hold, so `<id>#` keeps the
 * ids' order and no other location's keys fall between two of the page's.
 */
export const locationFreeRange = (first: string, last: string) => ({ from: `${first}#`, to: `${last}#\uffff` });

/** The locker of an item read from either free-slot index, whose keys end `#<locker>#<slot>`. */
export function lockerOfFreeSlot(item: Record<string, unknown>): string {
  const key = String(item.freeSlotSk ?? item.locationFreeSk ?? '');
  return key.split('#').at(-2) ?? '';
}

export const deadlineShards = 4;
export const deadlinePartition = (shard: number) => `DEADLINE#${shard}`;

function freeSlotKeys(slot: SlotAddress) {
  return { freeSlotPk: freeSlotPartition(slot.locationId), freeSlotSk: `${sizeOrder[slot.size]}${slot.size}#${slot.lockerId}#${slot.slotId}` };
}

function locationFreeKeys(slot: SlotAddress) {
  return {
    locationFreePk: locationFreePartition(locationFreeShardOf(slot.locationId)),
    locationFreeSk: `${slot.locationId}#${slot.size}#${slot.lockerId}#${slot.slotId}`,
  };
}

function deadlineKeys(slot: SlotAddress, deadline: string) {
  const id = `${slot.locationId}#${slot.lockerId}#${slot.slotId}`;
  return { deadlinePk: deadlinePartition(shardOf(id, deadlineShards)), deadlineSk: `${deadline}#${id}` };
}

export function slotItem(slot: Slot): Record<string, unknown> {
  return {
    ...slotKey(slot),
    entity: slotEntity,
    ...slot,
    // The summary clients see, kept on the item for people reading the table.
    status: statusOf(slot),
    ...(isAllocatable(slot) ? { ...freeSlotKeys(slot), ...locationFreeKeys(slot) } : {}),
    ...(slot.deadline ? deadlineKeys(slot, slot.deadline) : {}),
  };
}

const slotFields = [
  'locationId', 'lockerId', 'slotId', 'size', 'occupancy', 'service', 'fault', 'note', 'parcelId',
  'door', 'command', 'lastCommand', 'earlierCommands', 'forcedOpenVersion', 'deadline', 'version',
] as const;

export function toSlot(item: Record<string, unknown>): Slot {
  const picked: Record<string, unknown> = {};
  for (const field of slotFields) if (item[field] !== undefined) picked[field] = item[field];
  return picked as unknown as Slot;
}

export const slotParts = {
  create: (slot: Slot): TransactItem => ({ Put: { TableName: undefined, Item: slotItem(slot), ConditionExpression: 'attribute_not_exists(PK)' } }),
  /** Replaces the slot with its decided next state, only if nobody wrote it since `previous` was read. */
  replace: (previous: Slot, next: Slot): TransactItem => ({
    Put: {
      TableName: undefined,
      Item: slotItem(next),
      ConditionExpression: 'version = :version',
      ExpressionAttributeValues: { ':version': previous.version },
    },
  }),
  /**
   * The one place a slot is claimed: only while it still carries the free-slot keys (empty, in
   * service, no command, door closed and locked), so it can never hold two parcels. It needs no
   * prior read: the candidate came from the free-slot index.
   */
  claim: (slot: SlotAddress, parcelId: string, command: ActiveCommand, deadline: string): TransactItem => {
    const due = deadlineKeys(slot, deadline);
    return {
      Update: {
        TableName: undefined,
        Key: slotKey(slot),
        ConditionExpression: 'attribute_exists(freeSlotPk)',
        UpdateExpression:
          'SET occupancy = :occupied, parcelId = :parcelId, #command = :command, deadline = :deadline, deadlinePk = :deadlinePk, deadlineSk = :deadlineSk, #status = :status ADD version :one REMOVE freeSlotPk, freeSlotSk, locationFreePk, locationFreeSk',
        ExpressionAttributeNames: { '#command': 'command', '#status': 'status' },
        ExpressionAttributeValues: {
          ':occupied': 'OCCUPIED',
          ':parcelId': parcelId,
          ':command': command,
          ':deadline': deadline,
          ':deadlinePk': due.deadlinePk,
          ':deadlineSk': due.deadlineSk,
          ':status': 'OCCUPIED',
          ':one': 1,
        },
      },
    };
  },
  /** Removing a locker removes its slots, each only while it holds no parcel and no door command. */
  removeIfIdle: (slot: DoorAddress): TransactItem => ({
    Delete: {
      TableName: undefined,
      Key: slotKey(slot),
      ConditionExpression: 'occupancy = :free AND attribute_not_exists(#command)',
      ExpressionAttributeNames: { '#command': 'command' },
      ExpressionAttributeValues: { ':free': 'FREE' },
    },
  }),
};

/** How many free candidates one store reads: enough to ride out a burst of concurrent claims. */
const candidateLimit = 25;
/**
 * Reading past skipped lockers: items evaluated per page, and in all. 1,000 index items (~150 KB
 * at ~150 bytes each, about 19 read units as index reads are eventually consistent, in 5 round
 * trips) covers a location of several large lockers all offline; past it, a store is told its
 * doors are offline though an online door may sit further on.
 */
const skippingPageSize = 200;
const skippingReadLimit = 1000;

/** `NOT lockerId IN (…)`, in clauses of at most 100 operands (DynamoDB's limit for `IN`). */
function lockerExclusion(lockerIds: readonly string[]): { expression: string; values: Record<string, string> } {
  const values: Record<string, string> = {};
  const clauses: string[] = [];
  for (let from = 0; from < lockerIds.length; from += 100) {
    const names = lockerIds.slice(from, from + 100).map((lockerId, i) => {
      const name = `:skip${from + i}`;
      values[name] = lockerId;
      return name;
    });
    clauses.push(`NOT lockerId IN (${names.join(', ')})`);
  }
  return { expression: clauses.join(' AND '), values };
}

/** A door a store may claim, as the free-slot indexes hold it. */
export interface FreeDoor {
  readonly locationId: string;
  readonly lockerId: string;
  readonly size: SlotSize;
}

/** `locationId` for the free-slot index, which does not project it (its partition key names the location). */
function toFreeDoor(item: Item, locationId = String(item.locationId)): FreeDoor | undefined {
  const size = slotSizes.find((s) => s === item.size);
  return size === undefined ? undefined : { locationId, lockerId: lockerOfFreeSlot(item), size };
}

/**
 * Free counts per location, counting only the doors of online lockers: a store skips the doors of
 * offline ones, so they are free to nobody.
 */
export function countFree(doors: readonly FreeDoor[], lockers: readonly Pick<Locker, 'locationId' | 'lockerId' | 'online'>[]): Map<string, FreeCounts> {
  const online = new Set(lockers.filter((locker) => locker.online).map((locker) => `${locker.locationId}#${locker.lockerId}`));
  const counts = new Map<string, FreeCounts>();
  for (const door of doors) {
    if (!online.has(`${door.locationId}#${door.lockerId}`)) continue;
    const location = counts.get(door.locationId) ?? { S: 0, M: 0, L: 0 };
    location[door.size] += 1;
    counts.set(door.locationId, location);
  }
  return counts;
}

export const slotQueries = {
  async get(client: DynamoDBDocumentClient, tableName: string, address: DoorAddress): Promise<Slot | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: slotKey(address), ConsistentRead: true }));
    return Item ? toSlot(Item) : undefined;
  },

  /** The slots of one locker, read consistently. */
  async ofLocker(client: DynamoDBDocumentClient, tableName: string, locationId: string, lockerId: string): Promise<Slot[]> {
    const items = await queryAll(client, tableName, {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': locationPartition(locationId), ':prefix': slotsOfLockerPrefix(lockerId) },
      ConsistentRead: true,
    });
    return items.map(toSlot);
  },

  /**
   * Free slots of `size` or larger at a location, best fit first: the candidates of one store. The
   * doors of `skipLockers` are filtered out in the read and paging goes on past them, so that a
   * skipped locker sorting first (its doors are contiguous in the index) cannot fill the page and
   * hide the free doors behind it. Filtered items still cost read capacity: the read stops at
   * `candidateLimit` kept or `skippingReadLimit` read, whichever comes first.
   */
  async freeCandidates(
    client: DynamoDBDocumentClient,
    tableName: string,
    locationId: string,
    size: SlotSize,
    skipLockers: readonly string[] = [],
  ): Promise<SlotAddress[]> {
    const query = {
      TableName: tableName,
      IndexName: indexes.freeSlots.indexName,
      KeyConditionExpression: 'freeSlotPk = :pk AND freeSlotSk >= :from',
      ExpressionAttributeValues: { ':pk': freeSlotPartition(locationId), ':from': freeSlotLowerBound(size) },
    };
    const toAddress = (item: Item): SlotAddress => ({ locationId, lockerId: String(item.lockerId), slotId: String(item.slotId), size: item.size as SlotSize });
    if (skipLockers.length === 0) {
      const { Items = [] } = await client.send(new QueryCommand({ ...query, Limit: candidateLimit }));
      return Items.map(toAddress);
    }
    const skip = lockerExclusion(skipLockers);
    const filtered = {
      ...query,
      FilterExpression: skip.expression,
      ExpressionAttributeValues: { ...query.ExpressionAttributeValues, ...skip.values },
      Limit: skippingPageSize,
    };
    const kept: Item[] = [];
    let read = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(new QueryCommand({ ...filtered, ExclusiveStartKey: start }));
      kept.push(...(page.Items ?? []));
      read += page.ScannedCount ?? 0;
      start = page.LastEvaluatedKey;
    } while (start !== undefined && kept.length < candidateLimit && read < skippingReadLimit);
    return kept.slice(0, candidateLimit).map(toAddress);
  },

  /** The doors a store may claim at a location, whatever their locker's presence. */
  async freeDoors(client: DynamoDBDocumentClient, tableName: string, locationId: string): Promise<FreeDoor[]> {
    const items = await queryAll(client, tableName, {
      IndexName: indexes.freeSlots.indexName,
      KeyConditionExpression: 'freeSlotPk = :pk',
      ExpressionAttributeValues: { ':pk': freeSlotPartition(locationId) },
    });
    return items.flatMap((item) => toFreeDoor(item, locationId) ?? []);
  },

  /**
   * The doors a store may claim at many locations, with one range read per shard that holds one of
   * them, however many they are: the read spans the ids from the first to the last, so it is
   * cheapest when they are contiguous in id order, as a page of locations is; locations between
   * them not asked for are read and dropped.
   */
  async freeDoorsOf(client: DynamoDBDocumentClient, tableName: string, locationIds: readonly string[]): Promise<FreeDoor[]> {
    if (locationIds.length === 0) return [];
    const asked = new Set(locationIds);
    const sorted = [...locationIds].sort();
    const { from, to } = locationFreeRange(sorted[0]!, sorted.at(-1)!);
    const items = await queryShards(client, tableName, {
      shards: [...new Set(locationIds.map(locationFreeShardOf))],
      query: (shard) => ({
        IndexName: indexes.freeSlotsByLocation.indexName,
        KeyConditionExpression: 'locationFreePk = :pk AND locationFreeSk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': locationFreePartition(shard), ':from': from, ':to': to },
      }),
    });
    return items.flatMap((item) => toFreeDoor(item) ?? []).filter((door) => asked.has(door.locationId));
  },

  /** Slots whose deadline is at or before `now`, over every shard, oldest first. */
  async due(client: DynamoDBDocumentClient, tableName: string, now: Date, limit: number): Promise<Slot[]> {
    const upTo = `${now.toISOString()}\uffff`;
    const items = await queryShards(client, tableName, {
      shards: deadlineShards,
      query: (shard) => ({
        IndexName: indexes.slotsByDeadline.indexName,
        KeyConditionExpression: 'deadlinePk = :pk AND deadlineSk <= :upTo',
        ExpressionAttributeValues: { ':pk': deadlinePartition(shard), ':upTo': upTo },
      }),
      first: { limit, by: 'deadline' },
    });
    return items.map(toSlot);
  },
};
