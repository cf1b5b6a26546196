import { hasRole, type Actor } from './actor.ts';
import { ConflictError } from './errors.ts';
import type { SlotSize } from './slot.ts';

export const parcelStatuses = [
  'DEPOSITING', 'DEPOSIT_FAILED', 'STORED', 'COLLECTING', 'RETRIEVED', 'CANCELLED', 'EXPIRED', 'RETURNED',
] as const;
export type ParcelStatus = (typeof parcelStatuses)[number];

/**
 * What a transition does besides changing the status. The adapter turns a decided change into one
 * transaction; whether the code stops working or the slot is let go is decided here.
 * - `dropsCode`: the pickup code (and its index entry) is deleted, so it stops working at once.
 * - `releasesSlot`: the parcel leaves its slot (the slot becomes FREE once its door is closed and locked).
 * - `startsWindow`: the pickup window starts now (the door has closed on the parcel).
 */
export interface TransitionEffects {
  readonly dropsCode: boolean;
  readonly releasesSlot: boolean;
  readonly startsWindow: boolean;
}

const keep: TransitionEffects = { dropsCode: false, releasesSlot: false, startsWindow: false };
const leave: TransitionEffects = { dropsCode: true, releasesSlot: true, startsWindow: false };

/** The whole lifecycle (docs/architecture.md §1, §6): every transition not listed here is refused. */
const transitions: Record<ParcelStatus, Partial<Record<ParcelStatus, TransitionEffects>>> = {
  // DEPOSITING → DEPOSITING: the door jammed or never opened, and the parcel moved to another slot.
  DEPOSITING: { STORED: { ...keep, startsWindow: true }, DEPOSITING: { ...keep, releasesSlot: true }, DEPOSIT_FAILED: leave, CANCELLED: leave },
  // STORED → RETRIEVED only when a pickup that timed out turns out to have opened the door after all:
  // the door is the source of truth (door-reconcile.ts).
  STORED: { COLLECTING: keep, RETRIEVED: leave, CANCELLED: leave, EXPIRED: { ...keep, dropsCode: true } },
  // Back to STORED when the door never opened: the code stays valid and the parcel stays in its slot.
  COLLECTING: { RETRIEVED: leave, STORED: keep },
  // EXPIRED → RETRIEVED only when a pickup started before the window ended turns out to have
  // opened the door after all (door-reconcile.ts): the recipient has it.
  EXPIRED: { RETURNED: { ...keep, releasesSlot: true }, RETRIEVED: { ...keep, releasesSlot: true } },
  DEPOSIT_FAILED: {},
  RETRIEVED: {},
  CANCELLED: {},
  RETURNED: {},
};

export function canTransition(from: ParcelStatus, to: ParcelStatus): boolean {
  return transitions[from][to] !== undefined;
}

export function effectsOf(from: ParcelStatus, to: ParcelStatus): TransitionEffects {
  const effects = transitions[from][to];
  if (!effects) throw new ConflictError('INVALID_STATE', `A ${from} parcel cannot become ${to}`);
  return effects;
}

/** Statuses in which a door command for the parcel is under way. */
export function isAtTheDoor(status: ParcelStatus): boolean {
  return status === 'DEPOSITING' || status === 'COLLECTING';
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
  /** Hours the parcel may wait once stored: the location's window when it was created. */
  readonly pickupWindowHours: number;
  /** End of the pickup window; set when the door closes on the parcel (STORED). */
  readonly expiresAt?: string;
  /** The door command under way while DEPOSITING or COLLECTING. */
  readonly commandId?: string;
  /** Wrong pickup codes in a row since the last lock. */
  readonly failedAttempts: number;
  readonly lockedUntil?: string;
  /** When the code was reissued lately: the reissue limit (pickup-code.ts, reissuePolicy). */
  readonly codeReissuedAt?: readonly string[];
  /** When the reminder sweep marked the parcel reminded: once per parcel. */
  readonly remindedAt?: string;
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
  return parcel.status === 'STORED' && parcel.expiresAt !== undefined && Date.parse(parcel.expiresAt) <= now.getTime();
}

/** Refuses a pickup unless the parcel is STORED and within its window. */
export function assertCollectable(parcel: Pick<Parcel, 'status' | 'expiresAt'>, now: Date): void {
  if (isPastPickupWindow(parcel, now)) throw new ConflictError('PARCEL_EXPIRED', 'The pickup window has passed');
  if (parcel.status === 'COLLECTING') throw new ConflictError('INVALID_STATE', 'The parcel is being collected: its door is opening');
  assertTransition(parcel, 'COLLECTING');
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

/**
 * The contact a carrier gave for the recipient is personal data: only the recipient, the carrier
 * who gave it and admins may read it back, whatever route shows the parcel.
 */
export function seesRecipientContact(actor: Actor, parcel: Pick<Parcel, 'carrierId' | 'recipientId'>): boolean {
  return isOwner(actor, parcel) || canHandle(actor, parcel);
}

/** Carriers handle the parcels they deposited; admins handle all. */
export function canHandle(actor: Actor, parcel: Pick<Parcel, 'carrierId'>): boolean {
  return hasRole(actor, 'admin') || (hasRole(actor, 'carrier') && parcel.carrierId === actor.sub);
}

/** What the domain needs of a parcel's secrets to apply effects: the adapter keeps them beside it. */
export interface ParcelSecrets {
  readonly pickupCodeHash?: string;
  readonly sealedPickupCode?: string;
}

/**
 * The parcel after a transition, with the transition's effects applied: the code dropped, the
 * window started, the door command forgotten once the parcel is no longer at the door.
 * @throws ConflictError when the lifecycle does not allow it.
 */
export function transitioned<P extends Parcel & ParcelSecrets>(parcel: P, to: ParcelStatus, now: Date): P {
  const effects = effectsOf(parcel.status, to);
  const { pickupCodeHash, sealedPickupCode, commandId, ...rest } = parcel;
  return {
    ...rest,
    status: to,
    updatedAt: now.toISOString(),
    ...(effects.dropsCode ? {} : { ...(pickupCodeHash ? { pickupCodeHash } : {}), ...(sealedPickupCode ? { sealedPickupCode } : {}) }),
    ...(isAtTheDoor(to) && commandId ? { commandId } : {}),
    ...(effects.startsWindow ? { expiresAt: expiryTime(now, parcel.pickupWindowHours).toISOString() } : {}),
  } as P;
}
