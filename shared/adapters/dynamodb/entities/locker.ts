import { thingNameOf } from '#shared/domain/door';
import type { Locker } from '#shared/domain/location';
import type { TransactItem } from '../client.ts';

/**
 * The locker entity: `LOC#<loc>` / `LOCKER#<locker>`, listed by type for the local fleet of
 * simulated lockers. Its `online` flag follows AWS IoT lifecycle events, ordered by their
 * `versionNumber` (then connected before disconnected), so a late event never undoes a newer one.
 */
export const lockerEntity = 'LOCKER';

export const lockerKey = (locationId: string, lockerId: string) => ({ PK: `LOC#${locationId}`, SK: `LOCKER#${lockerId}` });
export const lockerSortKeyPrefix = 'LOCKER#';

export function lockerItem(locker: Locker): Record<string, unknown> {
  return {
    ...lockerKey(locker.locationId, locker.lockerId),
    entity: lockerEntity,
    entityTypePk: lockerEntity,
    entityTypeSk: `${locker.locationId}#${locker.lockerId}`,
    ...locker,
  };
}

export function toLocker(item: Record<string, unknown>): Locker {
  return {
    locationId: String(item.locationId),
    lockerId: String(item.lockerId),
    createdAt: String(item.createdAt),
    thingName: typeof item.thingName === 'string' ? item.thingName : thingNameOf(String(item.locationId), String(item.lockerId)),
    slotIds: Array.isArray(item.slotIds) ? item.slotIds.map(String) : [],
    online: item.online === true,
    ...(typeof item.presenceAt === 'string' ? { presenceAt: item.presenceAt } : {}),
    ...(typeof item.presenceVersion === 'number' ? { presenceVersion: item.presenceVersion } : {}),
  };
}

export const lockerParts = {
  create: (locker: Locker): TransactItem => ({
    Put: { TableName: undefined, Item: lockerItem(locker), ConditionExpression: 'attribute_not_exists(PK)' },
  }),
  remove: (locationId: string, lockerId: string): TransactItem => ({
    Delete: { TableName: undefined, Key: lockerKey(locationId, lockerId), ConditionExpression: 'attribute_exists(PK)' },
  }),
};
