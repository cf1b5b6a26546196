import type { AuditEvent } from '#shared/domain/events';
import type { Location, LocationLayout, Locker } from '#shared/domain/location';
import type { Parcel, ParcelStatus } from '#shared/domain/parcel';
import type { AttemptState } from '#shared/domain/pickup-code';
import type { FreeCounts, Slot, SlotAddress, SlotSize, SlotStatus } from '#shared/domain/slot';

/** The service's view of time. Injected so tests and the local stack can move it. */
export interface Clock {
  now(): Date;
}

/** Unique, time-sortable identifiers. */
export interface IdGenerator {
  next(): string;
}

/** What the service counts, as CloudWatch metrics in AWS. */
export type MetricName = 'ParcelStored' | 'ParcelPickedUp' | 'ParcelExpired' | 'SlotClaimLost';

export interface Metrics {
  count(name: MetricName, value?: number): void;
}

/** Fresh pickup codes from a CSPRNG. */
export interface CodeGenerator {
  next(): string;
}

/**
 * Keeps pickup codes secret at rest: a keyed hash to find and compare them, and an encrypted
 * copy that only the owner's view decrypts.
 */
export interface PickupCodeVault {
  /** Keyed hash, scoped to a location so equal codes at two locations do not collide. */
  hash(locationId: string, code: string): string;
  /** Compares in constant time, so response timing reveals nothing about the stored hash. */
  matches(locationId: string, code: string, hash: string): boolean;
  seal(code: string): string;
  open(sealed: string): string;
}

export interface Page<T> {
  readonly items: T[];
  readonly cursor?: string;
}

export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string;
}

export interface LocationRepository {
  /** @throws ConflictError LOCATION_EXISTS */
  create(location: Location, event: AuditEvent): Promise<void>;
  get(locationId: string): Promise<Location | undefined>;
  list(): Promise<Location[]>;
  layout(locationId: string): Promise<LocationLayout>;
  freeCounts(locationId: string): Promise<FreeCounts>;
  /** @throws NotFoundError LOCATION_NOT_FOUND, ConflictError LOCKER_EXISTS */
  addLocker(locker: Locker, slots: readonly Slot[], event: AuditEvent): Promise<void>;
  /** @throws NotFoundError LOCKER_NOT_FOUND, ConflictError LOCKER_NOT_EMPTY */
  removeLocker(locker: Pick<Locker, 'locationId' | 'lockerId'>, event: AuditEvent): Promise<void>;
  /** @throws NotFoundError SLOT_NOT_FOUND, ConflictError SLOT_OCCUPIED */
  setSlotStatus(slot: Pick<Slot, 'locationId' | 'lockerId' | 'slotId'>, status: Exclude<SlotStatus, 'OCCUPIED'>, event: AuditEvent): Promise<Slot>;
}

/** A parcel as stored, with the secrets the repository keeps beside it. */
export interface StoredParcel extends Parcel {
  /** Incremented by every write: each change is conditional on the version it read. */
  readonly version: number;
  readonly pickupCodeHash?: string;
  readonly sealedPickupCode?: string;
  readonly idempotencyKey?: string;
}

export interface IdempotencyRecord {
  readonly parcelId: string;
  readonly requestHash: string;
}

export type StoreOutcome =
  | { readonly kind: 'stored' }
  /** Someone else claimed the slot first: try the next candidate. */
  | { readonly kind: 'slot-taken' }
  /** An active parcel at the location already has this code: draw another. */
  | { readonly kind: 'code-taken' }
  | { readonly kind: 'parcel-exists' }
  /** A concurrent request with the same idempotency key won. */
  | { readonly kind: 'idempotency-key-taken' }
  /** DynamoDB cancelled the transaction for a concurrent one on the same items: retry as is. */
  | { readonly kind: 'conflict' };

export interface NewParcel {
  readonly parcel: StoredParcel & { readonly pickupCodeHash: string; readonly sealedPickupCode: string };
  readonly idempotency?: { readonly ownerSub: string; readonly key: string; readonly requestHash: string; readonly expiresAt: Date };
  readonly event: AuditEvent;
}

/** A change of a parcel's status, applied with the slot, the code index and the event at once. */
export interface ParcelTransition {
  readonly parcel: StoredParcel;
  readonly to: ParcelStatus;
  /** Whether the slot becomes FREE (the parcel left it). */
  readonly freeSlot: boolean;
  readonly event: AuditEvent;
  readonly at: Date;
}

export interface ParcelRepository {
  findFreeSlots(locationId: string, size: SlotSize): Promise<SlotAddress[]>;
  store(newParcel: NewParcel): Promise<StoreOutcome>;
  get(parcelId: string): Promise<StoredParcel | undefined>;
  findIdempotencyRecord(ownerSub: string, key: string): Promise<IdempotencyRecord | undefined>;
  findByPickupCode(locationId: string, pickupCodeHash: string): Promise<string | undefined>;
  /** @returns false when the parcel changed since it was read (its version moved on). */
  transition(transition: ParcelTransition): Promise<boolean>;
  /** Records a wrong code with optimistic concurrency: false when `previous` was stale. */
  recordWrongCode(parcel: StoredParcel, previous: AttemptState, next: AttemptState, event: AuditEvent): Promise<boolean>;
  /** Swaps the code: 'stale' when the parcel changed since it was read, 'code-taken' when the new code collides. */
  replaceCode(parcel: StoredParcel, code: { hash: string; sealed: string }, event: AuditEvent): Promise<'replaced' | 'code-taken' | 'stale'>;
  listByRecipient(recipientId: string, page: PageRequest, filter?: { locationId?: string }): Promise<Page<StoredParcel>>;
  listByLocation(locationId: string, page: PageRequest): Promise<Page<StoredParcel>>;
  listAll(page: PageRequest): Promise<Page<StoredParcel>>;
  /** STORED parcels whose pickup window ended at or before `now`, oldest first. */
  dueForExpiry(now: Date, limit: number): Promise<StoredParcel[]>;
}

/** Counts a location's wrong kiosk codes over a sliding window. */
export interface KioskGuard {
  recentFailures(locationId: string, since: Date, now: Date): Promise<number>;
  recordFailure(locationId: string, at: Date, expiresAt: Date): Promise<void>;
}
