import type { Actor } from '#shared/domain/actor';
import type { Location } from '#shared/domain/location';
import { auditEvent, type Deps } from './deps.ts';

export interface CreateLocationInput {
  readonly locationId?: string;
  readonly name: string;
  readonly address: string;
  readonly pickupWindowHours?: number;
  readonly reminderHoursBefore?: number;
}

/**
 * Primary course:
 * 1. Give the location an id unless the admin chose one.
 * 2. Write it with its audit event, refusing an id already taken.
 */
export async function createLocation(
  deps: Pick<Deps, 'clock' | 'ids' | 'locations' | 'defaultPickupWindowHours'>,
  actor: Actor,
  input: CreateLocationInput,
): Promise<Location> {
  const now = deps.clock.now();
  const location: Location = {
    locationId: input.locationId ?? deps.ids.next(),
    name: input.name,
    address: input.address,
    pickupWindowHours: input.pickupWindowHours ?? deps.defaultPickupWindowHours,
    ...(input.reminderHoursBefore !== undefined ? { reminderHoursBefore: input.reminderHoursBefore } : {}),
    createdAt: now.toISOString(),
  };
  await deps.locations.create(
    location,
    auditEvent(deps, now, actor, { type: 'LOCATION_CREATED', locationId: location.locationId }),
  );
  return location;
}

