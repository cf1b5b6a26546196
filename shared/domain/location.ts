import type { FreeCounts, Slot } from './slot.ts';

export interface Location {
  readonly locationId: string;
  readonly name: string;
  readonly address: string;
  readonly pickupWindowHours: number;
  /** Hours before a parcel's deadline its recipient is reminded; unset, `defaultReminderHours`. */
  readonly reminderHoursBefore?: number;
  readonly createdAt: string;
}

export interface Locker {
  readonly locationId: string;
  readonly lockerId: string;
  readonly createdAt: string;
  /** The locker's AWS IoT thing (docs/door-contract.md): `<locationId>:<lockerId>`. */
  readonly thingName: string;
  /** Its doors, fixed when the locker is added. */
  readonly slotIds: readonly string[];
  /** Connected to AWS IoT now, as its lifecycle events say; false until it first connects. */
  readonly online: boolean;
  readonly presenceAt?: string;
  readonly presenceVersion?: number;
}

/** A location with everything in it, as admins and carriers see it. */
export interface LocationLayout {
  readonly lockers: readonly (Locker & { readonly slots: readonly Slot[] })[];
}

export interface LocationSummary extends Location {
  readonly freeSlots: FreeCounts;
}
