import { describe, expect, it } from 'vitest';
import type { Actor } from '#shared/domain/actor';
import type { StoredParcel } from '#shared/ports';
import { viewOf } from '#shared/use-cases/support/parcel-view';

const parcel: StoredParcel = {
  parcelId: 'p-1',
  locationId: 'loc-1',
  lockerId: 'A',
  slotId: '01',
  slotSize: 'S',
  size: 'S',
  recipientId: 'customer-1',
  carrierId: 'carrier-1',
  status: 'STORED',
  createdAt: '2026-11-22T10:00:00.000Z',
  updatedAt: '2026-11-22T10:00:00.000Z',
  pickupWindowHours: 72,
  failedAttempts: 0,
  version: 2,
  pickupCodeHash: 'hash',
  sealedPickupCode: 'sealed',
  recipientContact: { email: 'dee@example.com', phone: '+33612345678' },
};

describe('a parcel as a caller sees it', () => {
  it.each<[string, boolean, Actor]>([
    ['its recipient', true, { sub: 'customer-1', roles: ['customer'] }],
    ['the carrier who stored it', true, { sub: 'carrier-1', roles: ['carrier'] }],
    ['an admin', true, { sub: 'admin-1', roles: ['admin'] }],
    ['another carrier', false, { sub: 'carrier-2', roles: ['carrier'] }],
    ['another customer', false, { sub: 'customer-2', roles: ['customer'] }],
    ['a kiosk at its location', false, { sub: 'kiosk-1', roles: ['kiosk'], locationId: 'loc-1' }],
  ])('%s sees the contact the carrier gave: %s', (_who, shown, actor) => {
    // Act
    const view = viewOf(parcel, actor);

    // Assess
    expect(view.recipientContact).toEqual(shown ? { email: 'dee@example.com', phone: '+33612345678' } : undefined);
  });

  it('never shows the code hash, the sealed code or the version', () => {
    // Act
    const view = viewOf(parcel, { sub: 'admin-1', roles: ['admin'] });

    // Assess
    expect(Object.keys(view).filter((key) => ['pickupCodeHash', 'sealedPickupCode', 'version', 'idempotencyKey'].includes(key))).toEqual([]);
  });
});
