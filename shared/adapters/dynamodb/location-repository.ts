import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '#shared/domain/errors';
import type { AuditEvent } from '#shared/domain/events';
import type { Location, LocationLayout, Locker } from '#shared/domain/location';
import type { FreeCounts, Slot, SlotAddress, SlotSize } from '#shared/domain/slot';
import type { DoorAddress, LocationRepository, Page, PageRequest, Presence } from '#shared/ports';
import { failedAt, transact } from './client.ts';
import type { PageCursors } from './cursor.ts';
import { eventParts } from './entities/event.ts';
import { locationParts, locationQueries } from './entities/location.ts';
import { lockerParts, lockerQueries } from './entities/locker.ts';
import { countFree, slotParts, slotQueries } from './entities/slot.ts';

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

  get(locationId: string): Promise<Location | undefined> {
    return locationQueries.get(this.client, this.tableName, locationId);
  }

  list(page: PageRequest): Promise<Page<Location>> {
    return locationQueries.list(this.client, this.tableName, this.cursors, page);
  }

  layout(locationId: string): Promise<LocationLayout> {
    return lockerQueries.withSlots(this.client, this.tableName, locationId);
  }

  lockers(locationId: string): Promise<Locker[]> {
    return lockerQueries.ofLocation(this.client, this.tableName, locationId);
  }

  /** Free slots of the location's online lockers: a store skips the doors of offline ones, so they are free to nobody. */
  async freeCounts(locationId: string): Promise<FreeCounts> {
    const [doors, lockers] = await Promise.all([slotQueries.freeDoors(this.client, this.tableName, locationId), this.lockers(locationId)]);
    return countFree(doors, lockers).get(locationId) ?? { S: 0, M: 0, L: 0 };
  }

  /** Free counts of many locations (a page of `list`): one range read of their lockers, one per shard of their free slots. */
  async freeCountsOf(locationIds: readonly string[]): Promise<Map<string, FreeCounts>> {
    const [doors, lockers] = await Promise.all([
      slotQueries.freeDoorsOf(this.client, this.tableName, locationIds),
      lockerQueries.ofLocations(this.client, this.tableName, locationIds),
    ]);
    const counts = countFree(doors, lockers);
    return new Map(locationIds.map((locationId): [string, FreeCounts] => [locationId, counts.get(locationId) ?? { S: 0, M: 0, L: 0 }]));
  }

  findFreeSlots(locationId: string, size: SlotSize, skipLockers?: readonly string[]): Promise<SlotAddress[]> {
    return slotQueries.freeCandidates(this.client, this.tableName, locationId, size, skipLockers);
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
    const slots = await slotQueries.ofLocker(this.client, this.tableName, locationId, lockerId);
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

  getLocker(locationId: string, lockerId: string): Promise<Locker | undefined> {
    return lockerQueries.get(this.client, this.tableName, locationId, lockerId);
  }

  getSlot(address: DoorAddress): Promise<Slot | undefined> {
    return slotQueries.get(this.client, this.tableName, address);
  }

  slotsDue(now: Date, limit: number): Promise<Slot[]> {
    return slotQueries.due(this.client, this.tableName, now, limit);
  }

  async recordPresence(locker: Pick<Locker, 'locationId' | 'lockerId'>, presence: Presence, event: AuditEvent): Promise<boolean> {
    const result = await transact(this.client, this.tableName, [lockerParts.recordPresence(locker, presence), eventParts.append(event)]);
    if (result.ok) return true;
    if (failedAt(result, 0)) return false;
    throw new Error(`Recording presence failed: ${result.reasons.join(',')}`);
  }
}

const lockerNotEmpty = () => new ConflictError('LOCKER_NOT_EMPTY', 'The locker still holds parcels or has a door command under way');
