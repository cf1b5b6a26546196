import type { Location } from '#shared/domain/location';
import type { TransactItem } from '../client.ts';

/** The location entity: `LOC#<loc>` / `META`, listed by type. */
export const locationEntity = 'LOCATION';
export const locationKey = (locationId: string) => ({ PK: `LOC#${locationId}`, SK: 'META' });
export const locationPartition = (locationId: string) => `LOC#${locationId}`;

export function locationItem(location: Location): Record<string, unknown> {
  return { ...locationKey(location.locationId), entity: locationEntity, entityTypePk: locationEntity, entityTypeSk: location.locationId, ...location };
}

export function toLocation(item: Record<string, unknown>): Location {
  return {
    locationId: String(item.locationId),
    name: String(item.name),
    address: String(item.address),
    pickupWindowHours: Number(item.pickupWindowHours),
    ...(typeof item.reminderHoursBefore === 'number' ? { reminderHoursBefore: item.reminderHoursBefore } : {}),
    createdAt: String(item.createdAt),
  };
}

export const locationParts = {
  create: (location: Location): TransactItem => ({
    Put: { TableName: undefined, Item: locationItem(location), ConditionExpression: 'attribute_not_exists(PK)' },
  }),
  mustExist: (locationId: string): TransactItem => ({
    ConditionCheck: { TableName: undefined, Key: locationKey(locationId), ConditionExpression: 'attribute_exists(PK)' },
  }),
};
