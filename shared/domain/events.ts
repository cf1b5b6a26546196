import type { Role } from './actor.ts';

/**
 * An audit record, written in the same atomic write as the change it describes, so the trail
 * and the state never disagree. It also serves as the outbox for notifications.
 * Never carries a pickup code.
 */
export type EventType =
  | 'LOCATION_CREATED'
  | 'LOCKER_ADDED'
  | 'LOCKER_REMOVED'
  | 'SLOT_STATUS_CHANGED'
  | 'PARCEL_STORED'
  | 'PARCEL_RETRIEVED'
  | 'PARCEL_CANCELLED'
  | 'PARCEL_EXPIRED'
  | 'PARCEL_RETURNED'
  | 'PICKUP_CODE_REJECTED'
  | 'PICKUP_CODE_REISSUED'
  // The reminder sweep found a parcel inside its reminder period (once per parcel).
  | 'PARCEL_REMINDER_DUE'
  // Doors (docs/architecture.md §6): a deposit or pickup under way, and what the door did.
  | 'PARCEL_DEPOSITING'
  | 'PARCEL_MOVED'
  | 'PARCEL_DEPOSIT_FAILED'
  | 'PARCEL_COLLECTING'
  | 'PARCEL_PICKUP_FAILED'
  | 'DOOR_COMMANDED'
  // A command without a parcel (MAINTENANCE) that its door never took, taken back at once.
  | 'DOOR_COMMAND_WITHDRAWN'
  | 'DOOR_REPORTED'
  | 'DOOR_OPENED_LATE'
  | 'SLOT_FAULT'
  | 'SLOT_RESTORED'
  | 'LOCKER_ONLINE'
  | 'LOCKER_OFFLINE';

export interface AuditEvent {
  readonly eventId: string;
  readonly type: EventType;
  readonly at: string;
  /** `system` for the scheduled sweep. */
  readonly actor: { readonly sub: string; readonly role: Role | 'system' };
  readonly locationId: string;
  readonly lockerId?: string;
  readonly slotId?: string;
  readonly parcelId?: string;
  readonly from?: string;
  readonly to?: string;
  readonly commandId?: string;
  /** A slot's fault (SLOT_FAULT, SLOT_RESTORED, PARCEL_PICKUP_FAILED): operators are alerted on these. */
  readonly fault?: string;
  readonly reason?: string;
}
