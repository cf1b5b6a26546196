import { compareSizes, sizeFits, type SlotAddress, type SlotSize } from './slot.ts';

/**
 * Orders free candidate slots for a parcel of a given size, most preferred first, leaving out
 * those that do not fit. Pluggable: a location could prefer spreading wear across lockers.
 */
export type AllocationStrategy = (parcelSize: SlotSize, candidates: readonly SlotAddress[]) => SlotAddress[];

const byAddress = (a: SlotAddress, b: SlotAddress) =>
  a.lockerId.localeCompare(b.lockerId) || a.slotId.localeCompare(b.slotId);

/** The smallest free size that fits, so large slots stay free for large parcels. */
export const bestFit: AllocationStrategy = (parcelSize, candidates) =>
  candidates
    .filter((slot) => sizeFits(parcelSize, slot.size))
    .sort((a, b) => compareSizes(a.size, b.size) || byAddress(a, b));

/** The first slot that fits in locker and door order, whatever its size. */
export const firstAvailable: AllocationStrategy = (parcelSize, candidates) =>
  candidates.filter((slot) => sizeFits(parcelSize, slot.size)).sort(byAddress);

export const allocationStrategies = { 'best-fit': bestFit, 'first-available': firstAvailable } as const;
export type AllocationStrategyName = keyof typeof allocationStrategies;
