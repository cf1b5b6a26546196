export const slotSizes = ['S', 'M', 'L'] as const;
export type SlotSize = (typeof slotSizes)[number];

export type SlotStatus = 'FREE' | 'OCCUPIED' | 'OUT_OF_SERVICE';

export interface Slot {
  readonly locationId: string;
  readonly lockerId: string;
  readonly slotId: string;
  readonly size: SlotSize;
  readonly status: SlotStatus;
  readonly parcelId?: string;
}

/** Where a slot is, without its state: what allocation hands out and a parcel points to. */
export type SlotAddress = Pick<Slot, 'locationId' | 'lockerId' | 'slotId' | 'size'>;

const sizeRank: Record<SlotSize, number> = { S: 0, M: 1, L: 2 };

export function sizeFits(parcelSize: SlotSize, slotSize: SlotSize): boolean {
  return sizeRank[slotSize] >= sizeRank[parcelSize];
}

export function compareSizes(a: SlotSize, b: SlotSize): number {
  return sizeRank[a] - sizeRank[b];
}

/** Admins may only move a slot between FREE and OUT_OF_SERVICE; OCCUPIED belongs to parcels. */
export function canSetStatusByAdmin(current: SlotStatus): boolean {
  return current !== 'OCCUPIED';
}

/** Slot ids are door numbers within a locker: "01", "02", … (the door's shadow is `door-<slotId>`). */
export function slotIdFor(doorNumber: number): string {
  return String(doorNumber).padStart(2, '0');
}

export type FreeCounts = Record<SlotSize, number>;

export function countFree(slots: readonly Pick<Slot, 'size' | 'status'>[]): FreeCounts {
  const counts: FreeCounts = { S: 0, M: 0, L: 0 };
  for (const slot of slots) if (slot.status === 'FREE') counts[slot.size] += 1;
  return counts;
}
