import type { Actor } from '#shared/domain/actor';
import type { AllocationStrategy } from '#shared/domain/allocation';
import type { AuditEvent } from '#shared/domain/events';
import type { DoorTimings } from '#shared/domain/door';
import type {
  ChangeWriter,
  Clock,
  DoorController,
  CodeGenerator,
  DestinationQuota,
  IdGenerator,
  KioskGuard,
  Logger,
  LocationRepository,
  EventPublisher,
  Metrics,
  Notifier,
  ParcelRepository,
  ProfileRepository,
  PickupCodeVault,
  SentLog,
} from '#shared/ports';

/** The ports every function has: no configuration they cannot default. */
export interface BasePorts {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly codes: CodeGenerator;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly allocation: AllocationStrategy;
  readonly defaultPickupWindowHours: number;
  readonly doorTimings: DoorTimings;
  /** A location's kiosk attempts per window (`kioskAttemptPolicy`'s figure unless set lower). */
  readonly kioskAttemptsPerWindow: number;
  /** One-time codes that verify an address saved in `/me`. */
  readonly verificationCodes: CodeGenerator;
  /** SMS and emails one phone number or address may receive per hour (`defaultMessagesPerDestinationHour` unless set). */
  readonly messagesPerDestinationHour: number;
}

/** The ports of a function that declares the table (`needs.table`). */
export interface TablePorts {
  readonly locations: LocationRepository;
  readonly parcels: ParcelRepository;
  readonly kioskGuard: KioskGuard;
  readonly changes: ChangeWriter;
  readonly profiles: ProfileRepository;
  /** What has been sent, per event and channel: the notifier and the reminders send each message once. */
  readonly sent: SentLog;
  /** Each destination's budget of messages per hour. */
  readonly quota: DestinationQuota;
}

/** The ports of a function that tells people (`needs.notifier`). */
export interface NotifyPorts {
  readonly notifier: Notifier;
  readonly publisher: EventPublisher;
}

/** The ports of a function that commands doors (`needs.doors`). */
export interface DoorPorts {
  readonly doors: DoorController;
}

/** The port of a function that declares the pickup-code secret (`needs.pickupCodeSecret`). */
export interface VaultPorts {
  readonly vault: PickupCodeVault;
}

/** Every port a use case may ask for; each use case takes only the ones it names. */
export type Deps = BasePorts & TablePorts & VaultPorts & DoorPorts & NotifyPorts;

export function auditEvent(
  deps: Pick<Deps, 'ids'>,
  at: Date,
  actor: Actor | 'system',
  fields: Omit<AuditEvent, 'eventId' | 'at' | 'actor'>,
): AuditEvent {
  return {
    eventId: deps.ids.next(),
    at: at.toISOString(),
    actor: actor === 'system' ? { sub: 'system', role: 'system' } : { sub: actor.sub, role: actor.roles[0] ?? 'customer' },
    ...fields,
  };
}
