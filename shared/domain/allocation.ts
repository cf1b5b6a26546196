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

/**
 * Concurrent stores at one location all read the same candidates in the same order, so without
 * this they would all race for the first slot and all but one would lose. Shuffling the slots
 * that are equally good (the same size as the best) spreads them out without giving up the fit.
 */
export function spreadAmongEquals(ordered: readonly SlotAddress[], random: () => number): SlotAddress[] {
  const best = ordered[0];
  if (!best) return [];
  const equals = ordered.filter((slot) => slot.size === best.size);
  for (let i = equals.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [equals[i], equals[j]] = [equals[j]!, equals[i]!];
  }
  return [...equals, ...ordered.filter((slot) => slot.size !== best.size)];
}

export const allocationStrategies = { 'best-fit': bestFit, 'first-available': firstAvailable } as const;
export type AllocationStrategyName = keyof typeof allocationStrategies;
