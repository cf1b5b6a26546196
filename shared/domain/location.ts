import type { FreeCounts, Slot } from './slot.ts';

export interface Location {
  readonly locationId: string;
  readonly name: string;
  readonly address: string;
  readonly pickupWindowHours: number;
  readonly createdAt: string;
}

export interface Locker {
  readonly locationId: string;
  readonly lockerId: string;
  readonly createdAt: string;
}

/** A location with everything in it, as admins and carriers see it. */
export interface LocationLayout {
  readonly lockers: readonly (Locker & { readonly slots: readonly Slot[] })[];
}

export interface LocationSummary extends Location {
  readonly freeSlots: FreeCounts;
}
