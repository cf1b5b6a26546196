import { describe, expect, it } from 'vitest';
import { parcelItem, toParcel } from '#shared/adapters/dynamodb/entities/parcel';
import type { StoredParcel } from '#shared/ports';

const stored: StoredParcel = {
  parcelId: 'p-1',
  locationId: 'loc-1',
  lockerId: 'A',
  slotId: '02',
  slotSize: 'M',
  size: 'S',
  recipientId: 'cust-1',
  carrierId: 'carrier-1',
  status: 'STORED',
  createdAt: '2026-11-22T10:00:00.000Z',
  updatedAt: '2026-11-22T10:01:00.000Z',
  pickupWindowHours: 72,
  expiresAt: '2026-11-25T10:01:00.000Z',
  failedAttempts: 0,
  version: 2,
  pickupCodeHash: 'hash-1',
  sealedPickupCode: 'sealed-1',
};

describe('parcelItem', () => {
  it('writes a STORED parcel with its listing keys and its expiry keys, sharded by parcel', () => {
    // Act
    const item = parcelItem(stored);

    // Assess
    expect(item).toEqual({
      PK: 'PARCEL#p-1',
      SK: 'META',
      entity: 'PARCEL',
      ...stored,
      recipientPk: 'USER#cust-1',
      recipientSk: '2026-11-22T10:00:00.000Z#p-1',
      locationPk: 'LOC#loc-1',
      locationSk: '2026-11-22T10:00:00.000Z#p-1',
      entityTypePk: 'PARCEL',
      entityTypeSk: '2026-11-22T10:00:00.000Z#p-1',
      expiryPk: 'EXPIRY#5',
      expirySk: '2026-11-25T10:01:00.000Z#p-1',
    });
  });

  it.each<{ why: string; parcel: StoredParcel }>([
    { why: 'DEPOSITING (its window has not started)', parcel: (({ expiresAt: _none, ...rest }) => ({ ...rest, status: 'DEPOSITING', commandId: 'cmd-1' }))(stored) },
    { why: 'COLLECTING, even with a window', parcel: { ...stored, status: 'COLLECTING', commandId: 'cmd-2' } },
    { why: 'EXPIRED', parcel: { ...stored, status: 'EXPIRED' } },
    { why: 'STORED without an end of window', parcel: (({ expiresAt: _none, ...rest }) => rest)(stored) },
  ])('leaves the expiry keys off a parcel that is $why, so the sweep never sees it', ({ parcel }) => {
    // Act
    const item = parcelItem(parcel);

    // Assess
    expect([item.expiryPk, item.expirySk, item.recipientPk]).toEqual([undefined, undefined, 'USER#cust-1']);
  });
});

describe('toParcel', () => {
  it('reads back the parcel it wrote, without keys or index keys', () => {
    // Prepare
    const parcel: StoredParcel = { ...stored, failedAttempts: 0, lockedUntil: '2026-11-23T08:15:00.000Z', idempotencyKey: 'key-1', commandId: 'cmd-1' };

    // Act
    const read = toParcel(parcelItem(parcel));

    // Assess
    expect(read).toEqual(parcel);
  });
});
