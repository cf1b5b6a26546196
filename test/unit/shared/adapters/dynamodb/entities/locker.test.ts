import { describe, expect, it } from 'vitest';
import { lockerItem, toLocker } from '#shared/adapters/dynamodb/entities/locker';
import type { Locker } from '#shared/domain/location';

const locker: Locker = {
  locationId: 'loc-1',
  lockerId: 'A',
  createdAt: '2026-11-22T09:30:00.000Z',
  thingName: 'loc-1:A',
  slotIds: ['01', '02'],
  online: true,
  presenceAt: '2026-11-22T09:31:00.000Z',
  presenceVersion: 3,
};

describe('lockerItem and toLocker', () => {
  it('writes the locker under its location, listed by type', () => {
    // Act
    const item = lockerItem(locker);

    // Assess
    expect(item).toEqual({ PK: 'LOC#loc-1', SK: 'LOCKER#A', entity: 'LOCKER', entityTypePk: 'LOCKER', entityTypeSk: 'loc-1#A', ...locker });
  });

  it('reads back the locker it wrote, without keys', () => {
    // Act
    const read = toLocker(lockerItem(locker));

    // Assess
    expect(read).toEqual(locker);
  });

  it('reads a locker written before doors as offline, named as its thing, with no doors', () => {
    // Act
    const read = toLocker({ PK: 'LOC#loc-1', SK: 'LOCKER#A', locationId: 'loc-1', lockerId: 'A', createdAt: '2026-11-22T09:30:00.000Z' });

    // Assess
    expect(read).toEqual({ locationId: 'loc-1', lockerId: 'A', createdAt: '2026-11-22T09:30:00.000Z', thingName: 'loc-1:A', slotIds: [], online: false });
  });
});
