import { describe, expect, it } from 'vitest';
import { ConflictError } from '#shared/domain/errors';
import {
  assertCollectable,
  assertTransition,
  canHandle,
  canTransition,
  canView,
  expiryTime,
  isOwner,
  parcelStatuses,
  seesRecipientContact,
  transitioned,
  type ParcelStatus,
} from '#shared/domain/parcel';

/** docs/architecture.md §1: the whole lifecycle, door states included. */
const allowed: [ParcelStatus, ParcelStatus][] = [
  ['DEPOSITING', 'STORED'],
  ['DEPOSITING', 'DEPOSITING'],
  ['DEPOSITING', 'DEPOSIT_FAILED'],
  ['DEPOSITING', 'CANCELLED'],
  ['STORED', 'COLLECTING'],
  ['STORED', 'RETRIEVED'],
  ['STORED', 'CANCELLED'],
  ['STORED', 'EXPIRED'],
  ['COLLECTING', 'RETRIEVED'],
  ['COLLECTING', 'STORED'],
  ['EXPIRED', 'RETURNED'],
  ['EXPIRED', 'RETRIEVED'],
];
const isAllowed = (from: ParcelStatus, to: ParcelStatus) => allowed.some(([a, b]) => a === from && b === to);
const forbidden = parcelStatuses.flatMap((from) => parcelStatuses.map((to) => [from, to] as const)).filter(([from, to]) => !isAllowed(from, to));

describe('the parcel lifecycle', () => {
  it.each(allowed)('allows %s → %s', (from, to) => {
    // Act
    const result = canTransition(from, to);

    // Assess
    expect(result).toBe(true);
  });

  it.each(forbidden)('refuses %s → %s', (from, to) => {
    // Act
    const result = canTransition(from, to);

    // Assess
    expect(result).toBe(false);
  });

  it('names an expired parcel PARCEL_EXPIRED when asked to leave it for anything its door has not decided', () => {
    // Act
    const attempt = () => assertTransition({ status: 'EXPIRED' }, 'COLLECTING');

    // Assess
    expect(attempt).toThrow(new ConflictError('PARCEL_EXPIRED', 'The parcel has expired and is waiting to be returned'));
  });

  it('names any other forbidden transition INVALID_STATE', () => {
    // Act
    const attempt = () => assertTransition({ status: 'RETRIEVED' }, 'CANCELLED');

    // Assess
    expect(attempt).toThrow(new ConflictError('INVALID_STATE', 'A RETRIEVED parcel cannot become CANCELLED'));
  });

  it('treats a STORED parcel past its window as expired before the sweep marks it', () => {
    // Prepare
    const parcel = { status: 'STORED' as const, expiresAt: '2026-11-22T10:00:00.000Z' };

    // Act
    const attempt = () => assertCollectable(parcel, new Date('2026-11-22T10:00:00.000Z'));

    // Assess
    expect(attempt).toThrow(expect.objectContaining({ code: 'PARCEL_EXPIRED' }));
  });

  it('lets a STORED parcel be collected up to its expiry time', () => {
    // Prepare
    const parcel = { status: 'STORED' as const, expiresAt: '2026-11-22T10:00:00.000Z' };

    // Act
    const attempt = () => assertCollectable(parcel, new Date('2026-11-22T09:59:59.999Z'));

    // Assess
    expect(attempt).not.toThrow();
  });

  it('computes the expiry time from the pickup window', () => {
    // Act
    const expiry = expiryTime(new Date('2026-11-22T10:00:00.000Z'), 72);

    // Assess
    expect(expiry.toISOString()).toBe('2026-11-25T10:00:00.000Z');
  });
});

describe('who may see and handle a parcel', () => {
  const parcel = { carrierId: 'carrier-1', recipientId: 'customer-1' };

  it.each([
    ['an admin', { sub: 'x', roles: ['admin'] as const }, true],
    ['its carrier', { sub: 'carrier-1', roles: ['carrier'] as const }, true],
    ['another carrier', { sub: 'carrier-2', roles: ['carrier'] as const }, false],
    ['its recipient', { sub: 'customer-1', roles: ['customer'] as const }, true],
    ['another customer', { sub: 'customer-2', roles: ['customer'] as const }, false],
    ['a kiosk', { sub: 'kiosk-1', roles: ['kiosk'] as const, locationId: 'l' }, false],
  ])('%s: view is %s', (_who, actor, expected) => {
    // Act
    const result = canView(actor, parcel);

    // Assess
    expect(result).toBe(expected);
  });

  it('treats only the recipient as the owner, even an admin with the same sub is not', () => {
    // Act
    const results = [isOwner({ sub: 'customer-1', roles: ['customer'] }, parcel), isOwner({ sub: 'customer-1', roles: ['admin'] }, parcel)];

    // Assess
    expect(results).toEqual([true, false]);
  });

  it.each([
    ['an admin', { sub: 'x', roles: ['admin'] as const }, true],
    ['its carrier', { sub: 'carrier-1', roles: ['carrier'] as const }, true],
    ['another carrier', { sub: 'carrier-2', roles: ['carrier'] as const }, false],
    ['its recipient', { sub: 'customer-1', roles: ['customer'] as const }, true],
    ['another customer', { sub: 'customer-2', roles: ['customer'] as const }, false],
    ['a kiosk at the location', { sub: 'kiosk-1', roles: ['kiosk'] as const, locationId: 'l' }, false],
    ['a kiosk whose sub is the carrier\'s', { sub: 'carrier-1', roles: ['kiosk'] as const, locationId: 'l' }, false],
    ['a kiosk whose sub is the recipient\'s', { sub: 'customer-1', roles: ['kiosk'] as const, locationId: 'l' }, false],
  ])('%s: sees the contact the carrier gave for the recipient is %s', (_who, actor, expected) => {
    // Act
    const result = seesRecipientContact(actor, parcel);

    // Assess
    expect(result).toBe(expected);
  });

  it('lets only admins and the depositing carrier handle a parcel', () => {
    // Act
    const results = [
      canHandle({ sub: 'a', roles: ['admin'] }, parcel),
      canHandle({ sub: 'carrier-1', roles: ['carrier'] }, parcel),
      canHandle({ sub: 'carrier-2', roles: ['carrier'] }, parcel),
      canHandle({ sub: 'customer-1', roles: ['customer'] }, parcel),
    ];

    // Assess
    expect(results).toEqual([true, true, false, false]);
  });
});

describe('the effects of a transition', () => {
  const base = {
    parcelId: 'p1', locationId: 'l', lockerId: 'k', slotId: '01', slotSize: 'S', size: 'S', recipientId: 'r', carrierId: 'c',
    createdAt: '2026-11-23T10:00:00.000Z', updatedAt: '2026-11-23T10:00:00.000Z', pickupWindowHours: 72, failedAttempts: 0,
    pickupCodeHash: 'h', sealedPickupCode: 's',
  } as const;
  const now = new Date('2026-11-23T12:00:00.000Z');

  it('starts the pickup window when the door closes on a deposit, and keeps the code', () => {
    const next = transitioned({ ...base, status: 'DEPOSITING', commandId: 'c1' }, 'STORED', now);
    expect(next).toMatchObject({ status: 'STORED', expiresAt: '2026-11-26T12:00:00.000Z', pickupCodeHash: 'h' });
    expect(next.commandId).toBeUndefined();
  });

  it('drops the code when the parcel is retrieved', () => {
    const next = transitioned({ ...base, status: 'COLLECTING', commandId: 'c1' }, 'RETRIEVED', now);
    expect(next.pickupCodeHash).toBeUndefined();
    expect(next.sealedPickupCode).toBeUndefined();
  });

  it('keeps the code when a pickup fails and the parcel is STORED again', () => {
    const next = transitioned({ ...base, status: 'COLLECTING', commandId: 'c1', expiresAt: '2026-11-25T00:00:00.000Z' }, 'STORED', now);
    expect(next).toMatchObject({ pickupCodeHash: 'h', expiresAt: '2026-11-25T00:00:00.000Z' });
  });

  it('refuses a transition the lifecycle does not list', () => {
    expect(() => transitioned({ ...base, status: 'RETRIEVED' }, 'STORED', now)).toThrow(ConflictError);
  });
});
