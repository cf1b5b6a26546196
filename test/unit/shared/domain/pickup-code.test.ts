import { describe, expect, it } from 'vitest';
import { afterReissue, afterWrongCode, kioskAttemptPolicy, kioskBudgetFor, kioskWindowAt, lockedFor, pickupCodePattern, reissueBlockedFor, secondsUntil } from '#shared/domain/pickup-code';
import { countFree, newSlot, slotIdFor, type Slot } from '#shared/domain/slot';

const now = new Date('2026-11-22T10:00:00.000Z');

describe('pickup codes', () => {
  it.each(['0000000000', '1234567800', '9999999900'])('accepts %s as a code', (code) => {
    // Act
    const result = pickupCodePattern.test(code);

    // Assess
    expect(result).toBe(true);
  });

  it.each(['123456', '12345678', '123456789', '12345678901', '1234a67890', ' 1234567890', ''])('refuses %j as a code', (code) => {
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

describe("a location's kiosk budget", () => {
  it('keeps a guesser below 0.1% a day at 60 parcels: 500 a window × 288 windows × 60 codes among 10^10', () => {
    // Act
    const dailyOdds = (kioskAttemptPolicy.attemptsPerWindow * 288 * 60) / 10 ** 10;

    // Assess
    expect({ budget: kioskAttemptPolicy.attemptsPerWindow, dailyOdds }).toEqual({ budget: 500, dailyOdds: 0.000864 });
  });

  it('is the largest that holds 0.1% a day for the parcels stored: 500 up to 69 parcels, lower beyond', () => {
    // Act
    const budgets = [60, 69, 70, 120, 600].map((parcels) => [parcels, kioskBudgetFor(parcels)]);

    // Assess
    expect(budgets).toEqual([
      [60, 578],
      [69, 503],
      [70, 496],
      [120, 289],
      [600, 57],
    ]);
  });
});

describe("a location's kiosk windows", () => {
  it('are fixed five-minute windows aligned to the clock', () => {
    // Act
    const windows = [kioskWindowAt(new Date('2026-11-22T10:04:59.999Z')), kioskWindowAt(new Date('2026-11-22T10:05:00.000Z'))];

    // Assess
    expect(windows.map(({ start, end }) => [start.toISOString(), end.toISOString()])).toEqual([
      ['2026-11-22T10:00:00.000Z', '2026-11-22T10:05:00.000Z'],
      ['2026-11-22T10:05:00.000Z', '2026-11-22T10:10:00.000Z'],
    ]);
  });

  it('tell a refused kiosk the whole seconds to the window end, at least one', () => {
    // Prepare
    const end = new Date('2026-11-22T10:05:00.000Z');

    // Act
    const waits = [secondsUntil(end, new Date('2026-11-22T10:01:29.500Z')), secondsUntil(end, new Date('2026-11-22T10:04:59.999Z'))];

    // Assess
    expect(waits).toEqual([211, 1]);
  });
});

describe('reissuing codes', () => {
  it('allows a third reissue within the hour and refuses a fourth until the oldest is an hour old', () => {
    // Prepare
    const two = { codeReissuedAt: ['2026-11-22T09:10:00.000Z', '2026-11-22T09:40:00.000Z'] };
    const three = afterReissue(two, now);

    // Act
    const waits = [reissueBlockedFor(two, now), reissueBlockedFor(three, now)];

    // Assess
    expect(waits).toEqual([0, 600]);
  });

  it('forgets reissues older than an hour', () => {
    // Prepare
    const old = { codeReissuedAt: ['2026-11-22T08:00:00.000Z', '2026-11-22T08:30:00.000Z', '2026-11-22T09:00:00.000Z'] };

    // Act
    const next = afterReissue(old, now);

    // Assess
    expect({ wait: reissueBlockedFor(old, now), next }).toEqual({ wait: 0, next: { codeReissuedAt: ['2026-11-22T10:00:00.000Z'] } });
  });

  it('allows the first reissue of a parcel that never had one', () => {
    // Act
    const wait = reissueBlockedFor({}, now);

    // Assess
    expect(wait).toBe(0);
  });
});

describe('slots', () => {
  it('names doors with two digits', () => {
    // Act
    const ids = [slotIdFor(1), slotIdFor(12)];

    // Assess
    expect(ids).toEqual(['01', '12']);
  });

  it('counts, per size, only the slots a store could claim right now', () => {
    // Prepare
    const slot = (slotId: string, size: Slot['size'], state: Partial<Slot> = {}): Slot => ({
      ...newSlot({ locationId: 'loc-1', lockerId: 'A', slotId, size }),
      ...state,
    });
    const closedAndLocked = { lock: 'LOCKED', door: 'CLOSED', lastCommandId: null, fault: null, version: 3, at: '2026-11-22T09:00:00.000Z' } as const;

    // Act
    const counts = countFree([
      slot('01', 'S'),
      slot('02', 'S', { door: closedAndLocked }),
      slot('03', 'S', { occupancy: 'OCCUPIED', parcelId: 'p-1' }),
      slot('04', 'M', { service: 'OUT_OF_SERVICE', fault: 'MAINTENANCE' }),
      slot('05', 'M', { door: { ...closedAndLocked, door: 'OPEN', openSince: '2026-11-22T09:00:00.000Z' } }),
      slot('06', 'M', { door: { ...closedAndLocked, lock: 'UNLOCKED' } }),
      slot('07', 'L', { command: { commandId: 'cmd-1', reason: 'MAINTENANCE', expiresAt: '2026-11-22T10:00:30.000Z' } }),
      slot('08', 'L'),
    ]);

    // Assess
    expect(counts).toEqual({ S: 2, M: 0, L: 1 });
  });
});
