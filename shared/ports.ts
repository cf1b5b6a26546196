import type { CarrierContact, Channel, Profile } from '#shared/domain/contact';
import type { DestinationBudget, QuotaWindow } from '#shared/domain/verification';
import type { AuditEvent } from '#shared/domain/events';
import type { Location, LocationLayout, Locker } from '#shared/domain/location';
import type { Parcel } from '#shared/domain/parcel';
import type { AttemptState, KioskCounter, KioskWindow } from '#shared/domain/pickup-code';
import type { DoorCommand } from '#shared/domain/door';
import type { IntegratorMessage, OperatorAlert } from '#shared/domain/notifications';
import type { ActiveCommand, FreeCounts, Slot, SlotAddress, SlotSize } from '#shared/domain/slot';

/** The service's view of time. Injected so tests and the local stack can move it. */
export interface Clock {
  now(): Date;
}

/** Unique, time-sortable identifiers. */
export interface IdGenerator {
  next(): string;
}

/** What the service counts, as CloudWatch metrics in AWS. */
export type MetricName =
  | 'ParcelStored'
  | 'ParcelPickedUp'
  | 'ParcelExpired'
  | 'SlotClaimLost'
  | 'DoorFault'
  | 'DoorCommandTimedOut'
  /** A message a channel refused for good: a few are bad addresses, many at once a broken sender identity. */
  | 'NotificationUndeliverable'
  /** A message its destination's hourly limit refused: a few are a busy recipient, many a pump. */
  | 'NotificationLimited';

export interface Metrics {
  count(name: MetricName, value?: number): void;
}

/**
 * Where use cases report what went wrong without failing the request (a door command that could
 * not be sent, a message refused for good). Fields are flat values (ids, keys, error names): never
 * a pickup code, an address or a message's text, and never a whole parcel or request.
 */
export interface Logger {
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export type LogFields = Readonly<Record<string, string | number | boolean>>;

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
  /**
   * A keyed hash naming a phone number or email address, so that limits per destination are kept
   * without the table holding a readable index of them (a plain hash of a phone number is
   * reversed by trying every number).
   */
  destinationKey(channel: Channel, address: string): string;
}

/**
 * Each destination's budget of messages per hour: a counter per destination and hour, taken with
 * one conditional write before a send, so concurrent senders can never send past it.
 */
export interface DestinationQuota {
  /**
   * Takes one message from the `budget` of `destinationKey` for `window`: the parcel messages and
   * the verification codes are counted apart (see `DestinationBudget`). @returns false when it is spent.
   */
  reserve(destinationKey: string, window: QuotaWindow, limit: number, budget: DestinationBudget): Promise<boolean>;
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
  /** One page of locations, in id order. @throws ValidationError for a cursor not from this listing */
  list(page: PageRequest): Promise<Page<Location>>;
  layout(locationId: string): Promise<LocationLayout>;
  /** FREE slots per size in the location's online lockers (a store skips offline ones). */
  freeCounts(locationId: string): Promise<FreeCounts>;
  /** Free counts (as `freeCounts`) of several locations in a fixed number of reads, whatever their number (every one asked for is in the map). */
  freeCountsOf(locationIds: readonly string[]): Promise<Map<string, FreeCounts>>;
  /**
   * Slots a store may claim at a location, of `size` or larger, best fit first (a bounded number of
   * them), leaving out the doors of `skipLockers` (offline ones) and reading on past them.
   */
  findFreeSlots(locationId: string, size: SlotSize, skipLockers?: readonly string[]): Promise<SlotAddress[]>;
  /** @throws NotFoundError LOCATION_NOT_FOUND, ConflictError LOCKER_EXISTS */
  addLocker(locker: Locker, slots: readonly Slot[], event: AuditEvent): Promise<void>;
  /** @throws NotFoundError LOCKER_NOT_FOUND, ConflictError LOCKER_NOT_EMPTY */
  removeLocker(locker: Pick<Locker, 'locationId' | 'lockerId'>, event: AuditEvent): Promise<void>;
  getLocker(locationId: string, lockerId: string): Promise<Locker | undefined>;
  /** The lockers of a location, without their slots. */
  lockers(locationId: string): Promise<Locker[]>;
  getSlot(address: DoorAddress): Promise<Slot | undefined>;
  /** Slots whose deadline (a command's, or an open door's) has passed, oldest first. */
  slotsDue(now: Date, limit: number): Promise<Slot[]>;
  /**
   * Applies a lifecycle event to a locker's `online` flag unless a newer one was applied already.
   * @returns false when the event was older than what the locker shows, or the locker is gone.
   */
  recordPresence(locker: Pick<Locker, 'locationId' | 'lockerId'>, presence: Presence, event: AuditEvent): Promise<boolean>;
}

export interface Presence {
  readonly online: boolean;
  /** AWS IoT's per-client `versionNumber`, then the event time: the order of lifecycle events. */
  readonly version: number;
  readonly at: string;
}

/** A parcel as stored, with the secrets the repository keeps beside it. */
export interface StoredParcel extends Parcel {
  /** Incremented by every write: each change is conditional on the version it read. */
  readonly version: number;
  readonly pickupCodeHash?: string;
  readonly sealedPickupCode?: string;
  readonly idempotencyKey?: string;
  /** The recipient's contact as the carrier gave it at store time: used only while they have no profile. */
  readonly recipientContact?: RecipientContact;
}

/**
 * What a carrier's Idempotency-Key answered: the parcel its request stored, or, for a short while,
 * the refusal it was given (so that copies of one request in flight together all get one answer).
 */
export type IdempotencyRecord =
  | { readonly requestHash: string; readonly parcelId: string }
  | { readonly requestHash: string; readonly refusal: IdempotentRefusal };

export interface IdempotentRefusal {
  readonly code: string;
  readonly message: string;
  /** Until when the refusal stands; after it the key may be tried again. */
  readonly until: Date;
}

/**
 * One atomic change of parcels and slots, decided by the domain and written by the adapter as one
 * transaction with its events: every item conditional on the version it was read at, so a change
 * decided on stale state is refused whole.
 */
export interface Change {
  /** `previous` absent: a new parcel. The pickup-code index follows the parcel's code hash. */
  readonly parcel?: { readonly previous?: StoredParcel; readonly next: StoredParcel };
  readonly slots?: readonly { readonly previous: Slot; readonly next: Slot }[];
  /** Claims a slot that a store or a move chose from the free-slot index: only while it is still allocatable. */
  readonly claim?: { readonly slot: SlotAddress; readonly parcelId: string; readonly command: ActiveCommand; readonly deadline: string };
  /** Taken only when the key is unused or its refusal has lapsed by `at`. */
  readonly idempotency?: { readonly ownerSub: string; readonly key: string; readonly requestHash: string; readonly at: Date; readonly expiresAt: Date };
  readonly events: readonly AuditEvent[];
  /** Makes the SDK's retries of this very change idempotent. */
  readonly requestToken?: string;
}

export type CommitOutcome =
  | 'committed'
  /** A parcel or slot changed since it was read: read again and decide again. */
  | 'stale'
  /** Someone else claimed the slot first: try the next candidate. */
  | 'slot-taken'
  /** An active parcel at the location already has this code: draw another. */
  | 'code-taken'
  | 'parcel-exists'
  /** A concurrent request with the same idempotency key won. */
  | 'idempotency-key-taken';

export interface ChangeWriter {
  commit(change: Change): Promise<CommitOutcome>;
}

export interface ParcelRepository {
  get(parcelId: string): Promise<StoredParcel | undefined>;
  findIdempotencyRecord(ownerSub: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Records a refusal under a key unused (or whose refusal lapsed) at `at`: false when the key has an answer already. */
  recordRefusal(ownerSub: string, key: string, requestHash: string, refusal: IdempotentRefusal, at: Date): Promise<boolean>;
  findByPickupCode(locationId: string, pickupCodeHash: string): Promise<string | undefined>;
  /** Records a wrong code with optimistic concurrency: false when `previous` was stale. */
  recordWrongCode(parcel: StoredParcel, previous: AttemptState, next: AttemptState, event: AuditEvent): Promise<boolean>;
  listByRecipient(recipientId: string, page: PageRequest, filter?: { locationId?: string }): Promise<Page<StoredParcel>>;
  listByLocation(locationId: string, page: PageRequest): Promise<Page<StoredParcel>>;
  listAll(page: PageRequest): Promise<Page<StoredParcel>>;
  /** STORED parcels whose pickup window ended at or before `now`, oldest first. */
  dueForExpiry(now: Date, limit: number): Promise<StoredParcel[]>;
  /** STORED parcels not yet reminded whose pickup window ends after `now` and within `horizonHours`, soonest first. */
  dueForReminder(now: Date, horizonHours: number, limit: number): Promise<StoredParcel[]>;
}

/** Where a door is: the locker's thing and the door's shadow follow from it (shared/domain/door.ts). */
export interface DoorAddress {
  readonly locationId: string;
  readonly lockerId: string;
  readonly slotId: string;
}

/** Commands doors through their device shadows. */
export interface DoorController {
  /** Writes the command into the door's `desired` state. */
  command(door: DoorAddress, command: DoorCommand): Promise<void>;
  /** Clears `desired` if it still holds this command (never a newer one). */
  clear(door: DoorAddress, commandId: string): Promise<void>;
}

/**
 * A location's budget of kiosk attempts: one counter per fixed window. An attempt is reserved
 * before its code is looked at, so concurrent guesses can never be checked past the budget.
 */
export interface KioskGuard {
  /** Takes one attempt from the window's budget, atomically. @returns false when the budget is spent. */
  reserve(counter: KioskCounter, window: KioskWindow, budget: number): Promise<boolean>;
  /** Gives a reserved attempt back (a right code is not a guess); never below zero. */
  giveBack(counter: KioskCounter, window: KioskWindow): Promise<void>;
}

/** A customer's saved contact (`/me`), keyed by their token's `sub`. */
export interface ProfileRepository {
  get(sub: string): Promise<Profile | undefined>;
  /**
   * Replaces the profile whole, and with it the verification codes waiting (one per pending
   * address; a channel without one has its old code dropped), in one transaction.
   */
  put(sub: string, profile: Profile, at: Date, challenges?: readonly VerificationChallenge[]): Promise<void>;
  /**
   * Counts one attempt at a channel's code, atomically and before the code is compared, while the
   * code is live and has attempts left. @returns the challenge, or why there is none to try.
   */
  reserveVerificationAttempt(
    sub: string,
    channel: Channel,
    at: Date,
    maxAttempts: number,
  ): Promise<{ readonly outcome: 'reserved'; readonly challenge: VerificationChallenge } | { readonly outcome: 'none' | 'expired' | 'exhausted' }>;
  /**
   * Marks the channel's address verified and spends its code, in one transaction: only while the
   * profile still has that address and the code is still the one checked. @returns false otherwise.
   */
  markVerified(sub: string, challenge: VerificationChallenge, at: Date): Promise<boolean>;
}

/** A one-time code sent to an address saved in `/me`, kept as a keyed hash only. */
export interface VerificationChallenge {
  readonly channel: Channel;
  readonly address: string;
  readonly codeHash: string;
  readonly expiresAt: string;
  readonly attempts: number;
}

/** What a carrier said about the recipient at store time, kept beside the parcel. */
export type RecipientContact = CarrierContact;

/**
 * Sends one message to one person. Neither SNS SMS nor SES takes an idempotency token, so
 * "exactly once" is the sent log's job, not the channel's.
 * Each send throws `UndeliverableError` when the channel refuses that address or message for good,
 * `UnavailableError` when it could not tell (try again), anything else for a fault of ours.
 */
export interface Notifier {
  sms(to: string, body: string): Promise<void>;
  email(to: string, subject: string, body: string): Promise<void>;
}

/** The service's SNS topics: every parcel event for integrators, and the operators' alerts. */
export interface EventPublisher {
  parcelEvent(message: IntegratorMessage): Promise<void>;
  operatorAlert(alert: OperatorAlert): Promise<void>;
}

/**
 * What has been sent, per event and channel (docs/architecture.md §7): a redelivered stream record or a
 * second reminder sweep sends nothing twice.
 */
export interface SentLog {
  /**
   * Takes the send of `key` for a while (a lease), with a conditional write.
   * @returns a lease to settle; undefined when the key was settled already (sent, or undeliverable);
   *   or, while another sender holds a live lease on it, when that lease lapses (`heldUntil`): its
   *   outcome is not known yet, and skipping would lose the message if that sender died mid-send.
   */
  begin(key: string, at: Date): Promise<SendLease | HeldSend | undefined>;
}

/** Another sender's live lease on a key, until `heldUntil` (on the clock `begin` was given). */
export interface HeldSend {
  readonly heldUntil: Date;
}

export interface SendLease {
  /** Marks the key sent, for good. */
  sent(at: Date): Promise<void>;
  /** Marks the key settled without a send: the channel refused it for good (`reason`: its error's name). */
  undeliverable(at: Date, reason: string): Promise<void>;
  /** Gives the lease back after a failed send, so a retry can take it at once. */
  release(): Promise<void>;
}
