import { describe, expect, it } from 'vitest';
import { slotItem, toSlot } from '#shared/adapters/dynamodb/entities/slot';
import { newSlot, type DoorState, type Slot } from '#shared/domain/slot';

const free: Slot = newSlot({ locationId: 'loc-1', lockerId: 'A', slotId: '02', size: 'M' });
const closedAndLocked: DoorState = { lock: 'LOCKED', door: 'CLOSED', lastCommandId: 'cmd-0', fault: null, version: 4, at: '2026-11-22T09:00:00.000Z' };
const depositing: Slot = {
  ...free,
  occupancy: 'OCCUPIED',
  parcelId: 'p-1',
  command: { commandId: 'cmd-1', reason: 'DEPOSIT', parcelId: 'p-1', expiresAt: '2026-11-22T10:00:30.000Z' },
  deadline: '2026-11-22T10:00:35.000Z',
  version: 1,
};

const indexKeysOf = (item: Record<string, unknown>) => ({
  freeSlotPk: item.freeSlotPk,
  freeSlotSk: item.freeSlotSk,
  locationFreePk: item.locationFreePk,
  locationFreeSk: item.locationFreeSk,
  deadlinePk: item.deadlinePk,
  deadlineSk: item.deadlineSk,
});

describe('slotItem', () => {
  it('writes a free slot under its location with its state, its summary status and the free-slot keys', () => {
    // Act
    const item = slotItem(free);

    // Assess
    expect(item).toEqual({
      PK: 'LOC#loc-1',
      SK: 'SLOT#A#02',
      entity: 'SLOT',
      locationId: 'loc-1',
      lockerId: 'A',
      slotId: '02',
      size: 'M',
      occupancy: 'FREE',
      service: 'IN_SERVICE',
      version: 0,
      status: 'FREE',
      freeSlotPk: 'FREE#loc-1',
      freeSlotSk: '1M#A#02',
      locationFreePk: 'FREESLOTS#3',
      locationFreeSk: 'loc-1#M#A#02',
    });
  });

  it.each([
    { size: 'S', sortKey: '0S#A#02' },
    { size: 'M', sortKey: '1M#A#02' },
    { size: 'L', sortKey: '2L#A#02' },
  ] as const)('sorts a free $size slot by size first, so a query from a size up is best fit first', ({ size, sortKey }) => {
    // Act
    const item = slotItem({ ...free, size });

    // Assess
    expect(item.freeSlotSk).toBe(sortKey);
  });

  it('keeps the free-slot keys on a free slot whose door reported closed and locked', () => {
    // Act
    const item = slotItem({ ...free, door: closedAndLocked, version: 5 });

    // Assess
    expect(indexKeysOf(item)).toEqual({
      freeSlotPk: 'FREE#loc-1',
      freeSlotSk: '1M#A#02',
      locationFreePk: 'FREESLOTS#3',
      locationFreeSk: 'loc-1#M#A#02',
      deadlinePk: undefined,
      deadlineSk: undefined,
    });
  });

  it.each<{ why: string; slot: Slot; status: string }>([
    { why: 'it holds a parcel', slot: { ...free, occupancy: 'OCCUPIED', parcelId: 'p-1' }, status: 'OCCUPIED' },
    { why: 'it is out of service', slot: { ...free, service: 'OUT_OF_SERVICE', fault: 'MAINTENANCE', note: 'hinge' }, status: 'OUT_OF_SERVICE' },
    {
      why: 'a command is under way',
      slot: { ...free, command: { commandId: 'cmd-2', reason: 'MAINTENANCE', expiresAt: '2026-11-22T10:00:30.000Z' } },
      status: 'OCCUPIED',
    },
    { why: 'its door stands open', slot: { ...free, door: { ...closedAndLocked, door: 'OPEN', openSince: '2026-11-22T09:00:00.000Z' } }, status: 'OCCUPIED' },
    { why: 'its door is closed but unlocked', slot: { ...free, door: { ...closedAndLocked, lock: 'UNLOCKED' } }, status: 'OCCUPIED' },
  ])('leaves the free-slot keys off while $why', ({ slot, status }) => {
    // Act
    const item = slotItem(slot);

    // Assess
    expect({ status: item.status, keys: [item.freeSlotPk, item.freeSlotSk, item.locationFreePk, item.locationFreeSk] }).toEqual({
      status,
      keys: [undefined, undefined, undefined, undefined],
    });
  });

  it('carries the deadline keys, sharded by slot and sorted by deadline, while the slot has a deadline', () => {
    // Act
    const item = slotItem(depositing);

    // Assess
    expect(indexKeysOf(item)).toEqual({
      freeSlotPk: undefined,
      freeSlotSk: undefined,
      locationFreePk: undefined,
      locationFreeSk: undefined,
      deadlinePk: 'DEADLINE#2',
      deadlineSk: '2026-11-22T10:00:35.000Z#loc-1#A#02',
    });
  });

  it('drops the deadline keys once the slot has no deadline', () => {
    // Prepare
    const { deadline: _ended, command: _done, ...settled } = depositing;

    // Act
    const item = slotItem({ ...settled, version: 2 });

    // Assess
    expect([item.deadlinePk, item.deadlineSk]).toEqual([undefined, undefined]);
  });
});

describe('toSlot', () => {
  it('reads back the slot it wrote, without keys, index keys or the summary status', () => {
    // Prepare
    const slot: Slot = {
      ...depositing,
      door: { ...closedAndLocked, lock: 'UNLOCKED', lastCommandId: 'cmd-1' },
      lastCommand: { commandId: 'cmd-0', reason: 'PICKUP', outcome: 'DONE', openedVersion: 2, closedVersion: 3 },
    };

    // Act
    const read = toSlot(slotItem(slot));

    // Assess
    expect(read).toEqual(slot);
  });
});
