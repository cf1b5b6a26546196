import { hasRole, type Actor } from './actor.ts';
import { ConflictError } from './errors.ts';
import type { SlotSize } from './slot.ts';

export const parcelStatuses = ['STORED', 'RETRIEVED', 'CANCELLED', 'EXPIRED', 'RETURNED'] as const;
export type ParcelStatus = (typeof parcelStatuses)[number];

/** The whole lifecycle: every transition not listed here is refused. */
const allowedTransitions: Record<ParcelStatus, readonly ParcelStatus[]> = {
  STORED: ['RETRIEVED', 'CANCELLED', 'EXPIRED'],
  EXPIRED: ['RETURNED'],
  RETRIEVED: [],
  CANCELLED: [],
  RETURNED: [],
};

export function canTransition(from: ParcelStatus, to: ParcelStatus): boolean {
  return allowedTransitions[from].includes(to);
}

export interface Parcel {
  readonly parcelId: string;
  readonly locationId: string;
  readonly lockerId: string;
  readonly slotId: string;
  readonly slotSize: SlotSize;
  /** The size the carrier asked for; the slot may be larger. */
  readonly size: SlotSize;
  readonly recipientId: string;
  readonly carrierId: string;
  readonly status: ParcelStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly expiresAt: string;
  /** Wrong pickup codes in a row since the last lock. */
  readonly failedAttempts: number;
  readonly lockedUntil?: string;
}

/** Refuses a transition the lifecycle does not allow, naming the reason callers can act on. */
export function assertTransition(parcel: Pick<Parcel, 'status'>, to: ParcelStatus): void {
  if (canTransition(parcel.status, to)) return;
  if (parcel.status === 'EXPIRED') throw new ConflictError('PARCEL_EXPIRED', 'The parcel has expired and is waiting to be returned');
  throw new ConflictError('INVALID_STATE', `A ${parcel.status} parcel cannot become ${to}`);
}

/**
 * A STORED parcel past its pickup window is expired even before the sweep has marked it:
 * the sweep runs every few minutes, and a pickup must not slip through that gap.
 */
export function isPastPickupWindow(parcel: Pick<Parcel, 'status' | 'expiresAt'>, now: Date): boolean {
  return parcel.status === 'STORED' && Date.parse(parcel.expiresAt) <= now.getTime();
}

/** Refuses a pickup unless the parcel is STORED and within its window. */
export function assertCollectable(parcel: Pick<Parcel, 'status' | 'expiresAt'>, now: Date): void {
  if (isPastPickupWindow(parcel, now)) throw new ConflictError('PARCEL_EXPIRED', 'The pickup window has passed');
  assertTransition(parcel, 'RETRIEVED');
}

export function expiryTime(storedAt: Date, pickupWindowHours: number): Date {
  return new Date(storedAt.getTime() + pickupWindowHours * 3_600_000);
}

/** Admins see every parcel, carriers the ones they deposited, customers their own; kiosks none by id. */
export function canView(actor: Actor, parcel: Pick<Parcel, 'carrierId' | 'recipientId'>): boolean {
  if (hasRole(actor, 'admin')) return true;
  if (hasRole(actor, 'carrier') && parcel.carrierId === actor.sub) return true;
  return hasRole(actor, 'customer') && parcel.recipientId === actor.sub;
}

/** Only the recipient ever sees or uses the pickup code. */
export function isOwner(actor: Actor, parcel: Pick<Parcel, 'recipientId'>): boolean {
  return hasRole(actor, 'customer') && parcel.recipientId === actor.sub;
}

/** Carriers handle the parcels they deposited; admins handle all. */
export function canHandle(actor: Actor, parcel: Pick<Parcel, 'carrierId'>): boolean {
  return hasRole(actor, 'admin') || (hasRole(actor, 'carrier') && parcel.carrierId === actor.sub);
}
