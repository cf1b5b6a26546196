import { describe, expect, it } from 'vitest';
import { afterWrongCode, lockedFor, pickupCodePattern } from '#shared/domain/pickup-code';
import { countFree, slotIdFor } from '#shared/domain/slot';

const now = new Date('2026-11-22T10:00:00.000Z');

describe('pickup codes', () => {
  it.each(['000000', '123456', '999999'])('accepts %s as a code', (code) => {
    // Act
    const result = pickupCodePattern.test(code);

    // Assess
    expect(result).toBe(true);
  });

  it.each(['12345', '1234567', '12a456', ' 123456', ''])('refuses %j as a code', (code) => {
    // Act
    const result = pickupCodePattern.test(code);

    // Assess
    expect(result).toBe(false);
  });

  it('counts the first four wrong codes without locking', () => {
    // Act
    const state = afterWrongCode({ failedAttempts: 3 }, now);

    // Assess
    expect(state).toEqual({ failedAttempts: 4 });
  });

  it('locks for 15 minutes on the fifth wrong code in a row and starts a fresh count', () => {
    // Act
    const state = afterWrongCode({ failedAttempts: 4 }, now);

    // Assess
    expect(state).toEqual({ failedAttempts: 0, lockedUntil: '2026-11-22T10:15:00.000Z' });
  });

  it('reports the seconds left on a lock, and none once it has passed', () => {
    // Prepare
    const state = { failedAttempts: 0, lockedUntil: '2026-11-22T10:15:00.000Z' };

    // Act
    const remaining = [lockedFor(state, now), lockedFor(state, new Date('2026-11-22T10:15:00.000Z'))];

    // Assess
    expect(remaining).toEqual([900, 0]);
  });
});

describe('slots', () => {
  it('names doors with two digits', () => {
    // Act
    const ids = [slotIdFor(1), slotIdFor(12)];

    // Assess
    expect(ids).toEqual(['01', '12']);
  });

  it('counts only FREE slots per size', () => {
    // Act
    const counts = countFree([
      { size: 'S', status: 'FREE' },
      { size: 'S', status: 'OCCUPIED' },
      { size: 'M', status: 'OUT_OF_SERVICE' },
      { size: 'L', status: 'FREE' },
    ]);

    // Assess
    expect(counts).toEqual({ S: 1, M: 0, L: 1 });
  });
});
