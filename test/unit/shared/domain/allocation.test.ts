import { describe, expect, it } from 'vitest';
import { bestFit, firstAvailable, spreadAmongEquals } from '#shared/domain/allocation';
import type { SlotAddress } from '#shared/domain/slot';

const slot = (lockerId: string, slotId: string, size: SlotAddress['size']): SlotAddress => ({ locationId: 'loc', lockerId, slotId, size });
const candidates = [slot('A', '01', 'L'), slot('A', '02', 'S'), slot('B', '01', 'M'), slot('A', '03', 'M')];

describe('allocation strategies', () => {
  it('best fit prefers the smallest size that fits, then locker and door order', () => {
    // Act
    const order = bestFit('M', candidates);

    // Assess
    expect(order).toEqual([slot('A', '03', 'M'), slot('B', '01', 'M'), slot('A', '01', 'L')]);
  });

  it('first available takes slots in locker and door order whatever their size', () => {
    // Act
    const order = firstAvailable('M', candidates);

    // Assess
    expect(order).toEqual([slot('A', '01', 'L'), slot('A', '03', 'M'), slot('B', '01', 'M')]);
  });

  it('never offers a slot smaller than the parcel', () => {
    // Act
    const order = [...bestFit('L', candidates), ...firstAvailable('L', candidates)];

    // Assess
    expect(order.every((candidate) => candidate.size === 'L')).toBe(true);
  });

  it('offers nothing when nothing fits', () => {
    // Act
    const order = bestFit('L', [slot('A', '01', 'S')]);

    // Assess
    expect(order).toEqual([]);
  });
});

describe('spreading concurrent stores', () => {
  it('shuffles only the slots as good as the best one and keeps worse fits last', () => {
    // Prepare
    const ordered = [slot('A', '01', 'S'), slot('A', '02', 'S'), slot('A', '03', 'S'), slot('A', '04', 'M')];
    const alwaysFirst = () => 0;

    // Act
    const spread = spreadAmongEquals(ordered, alwaysFirst);

    // Assess
    expect(spread).toEqual([slot('A', '02', 'S'), slot('A', '03', 'S'), slot('A', '01', 'S'), slot('A', '04', 'M')]);
  });

  it('keeps every candidate', () => {
    // Prepare
    const ordered = bestFit('S', candidates);

    // Act
    const spread = spreadAmongEquals(ordered, Math.random);

    // Assess
    expect([...spread].sort((a, b) => a.slotId.localeCompare(b.slotId) || a.lockerId.localeCompare(b.lockerId))).toEqual(
      [...ordered].sort((a, b) => a.slotId.localeCompare(b.slotId) || a.lockerId.localeCompare(b.lockerId)),
    );
  });
});
