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
  | 'PICKUP_CODE_REISSUED';

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
}
