import { describe, expect, it } from 'vitest';
import type { DoorReport } from '#shared/domain/door';
import { decideDoor, type DoorInput } from '#shared/domain/door-reconcile';
import type { Parcel, ParcelStatus } from '#shared/domain/parcel';
import type { ActiveCommand, Slot } from '#shared/domain/slot';

const now = new Date('2026-11-23T12:00:00.000Z');
const timings = { now, leftOpenSeconds: 120 };
const X = 'cmd-x';

const closedLocked = (lastCommandId: string | null = null, version = 1): Slot['door'] => ({
  lock: 'LOCKED', door: 'CLOSED', lastCommandId, fault: null, version, at: '2026-11-23T11:00:00.000Z',
});

function slot(overrides: Partial<Slot> = {}): Slot {
  return {
    locationId: 'loc', lockerId: 'lk', slotId: '01', size: 'S',
    occupancy: 'FREE', service: 'IN_SERVICE', version: 3, door: closedLocked(), ...overrides,
  };
}

function command(reason: ActiveCommand['reason'], overrides: Partial<ActiveCommand> = {}): ActiveCommand {
  return { commandId: X, reason, expiresAt: '2026-11-23T12:00:30.000Z', ...(reason === 'MAINTENANCE' ? {} : { parcelId: 'p1' }), ...overrides };
}

function parcel(status: ParcelStatus, overrides: Partial<Parcel> = {}): Parcel {
  return {
    parcelId: 'p1', locationId: 'loc', lockerId: 'lk', slotId: '01', slotSize: 'S', size: 'S', recipientId: 'r', carrierId: 'c',
    status, createdAt: '2026-11-23T11:59:00.000Z', updatedAt: '2026-11-23T11:59:00.000Z', pickupWindowHours: 72, failedAttempts: 0,
    ...(status === 'DEPOSITING' || status === 'COLLECTING' ? { commandId: X } : {}), ...overrides,
  };
}

const report = (version: number, r: Partial<DoorReport>): DoorInput => ({
  kind: 'report',
  observation: { version, report: { lock: 'LOCKED', door: 'CLOSED', lastCommandId: X, fault: null, ...r } },
});
const unlocked = (v: number) => report(v, { lock: 'UNLOCKED' });
const opened = (v: number) => report(v, { lock: 'UNLOCKED', door: 'OPEN' });
const closed = (v: number) => report(v, { lock: 'UNLOCKED', door: 'CLOSED' });
const locked = (v: number) => report(v, {});
const jam = (v: number) => report(v, { fault: 'JAMMED' });
const tick: DoorInput = { kind: 'tick' };
const later = (seconds: number) => ({ ...timings, now: new Date(now.getTime() + seconds * 1000) });

describe('a deposit', () => {
  const depositing = () => slot({ occupancy: 'OCCUPIED', parcelId: 'p1', command: command('DEPOSIT') });

  it('waits while the door only unlocks', () => {
    // Act
    const decision = decideDoor(depositing(), parcel('DEPOSITING'), unlocked(2), timings);
    // Assess
    expect(decision.parcelTo).toBeUndefined();
    expect(decision.slot.command?.commandId).toBe(X);
    expect(decision.slot.door).toMatchObject({ lock: 'UNLOCKED', version: 2 });
  });

  it('is not stored when the door has opened but not yet closed', () => {
    const decision = decideDoor(depositing(), parcel('DEPOSITING'), opened(3), timings);
    expect(decision.parcelTo).toBeUndefined();
    expect(decision.slot.command?.openedVersion).toBe(3);
    expect(decision.slot.door?.openSince).toBe(now.toISOString());
  });

  it('is stored when the door closes and locks after opening, and the command ends', () => {
    // Prepare
    const afterOpen = decideDoor(depositing(), parcel('DEPOSITING'), opened(3), timings).slot;
    // Act
    const decision = decideDoor(afterOpen, parcel('DEPOSITING'), locked(5), timings);
    // Assess
    expect(decision.parcelTo).toBe('STORED');
    expect(decision.ended).toEqual({ commandId: X, outcome: 'DONE' });
    expect(decision.slot).toMatchObject({ occupancy: 'OCCUPIED', parcelId: 'p1', service: 'IN_SERVICE' });
    expect(decision.slot.command).toBeUndefined();
    expect(decision.events.map((event) => event.type)).toContain('PARCEL_STORED');
  });

  it('is stored when the closing report arrives before the late opening report', () => {
    // Prepare: v6 (closed and locked) overtakes v4 (opened)
    const first = decideDoor(depositing(), parcel('DEPOSITING'), locked(6), timings);
    expect(first.parcelTo).toBeUndefined();
    // Act
    const decision = decideDoor(first.slot, parcel('DEPOSITING'), opened(4), timings);
    // Assess
    expect(decision.parcelTo).toBe('STORED');
    expect(decision.slot.door?.version).toBe(6);
  });

  it('moves on when the door reports jammed: the slot leaves service empty', () => {
    const decision = decideDoor(depositing(), parcel('DEPOSITING'), jam(2), timings);
    expect(decision.redeposit).toBe(true);
    expect(decision.ended).toEqual({ commandId: X, outcome: 'FAILED' });
    expect(decision.slot).toMatchObject({ occupancy: 'FREE', service: 'OUT_OF_SERVICE', fault: 'JAMMED' });
    expect(decision.slot.parcelId).toBeUndefined();
  });

  it('moves on when the door has not opened by the deadline plus grace', () => {
    expect(decideDoor(depositing(), parcel('DEPOSITING'), tick, later(30)).changed).toBe(false);
    const decision = decideDoor(depositing(), parcel('DEPOSITING'), tick, later(36));
    expect(decision.redeposit).toBe(true);
    expect(decision.slot).toMatchObject({ service: 'OUT_OF_SERVICE', fault: 'DID_NOT_OPEN', occupancy: 'FREE' });
  });

  it('does not time out once the door opened, but a door left open takes the slot out of service', () => {
    const afterOpen = decideDoor(depositing(), parcel('DEPOSITING'), opened(3), timings).slot;
    const decision = decideDoor(afterOpen, parcel('DEPOSITING'), tick, later(121));
    expect(decision.redeposit).toBeUndefined();
    expect(decision.slot).toMatchObject({ service: 'OUT_OF_SERVICE', fault: 'DOOR_LEFT_OPEN', occupancy: 'OCCUPIED' });
    // …and it comes back, with the parcel stored, once the door closes and locks.
    const closedAgain = decideDoor(decision.slot, parcel('DEPOSITING'), locked(5), later(130));
    expect(closedAgain.parcelTo).toBe('STORED');
    expect(closedAgain.slot).toMatchObject({ service: 'IN_SERVICE' });
    expect(closedAgain.slot.fault).toBeUndefined();
  });

  it('ignores a duplicated document', () => {
    const first = decideDoor(depositing(), parcel('DEPOSITING'), opened(3), timings);
    const again = decideDoor(first.slot, parcel('DEPOSITING'), opened(3), timings);
    expect(again.changed).toBe(false);
  });

  it('leaves a parcel alone whose command is another one', () => {
    const decision = decideDoor(depositing(), parcel('DEPOSITING', { commandId: 'other' }), jam(2), timings);
    expect(decision.redeposit).toBeUndefined();
    expect(decision.slot.fault).toBe('JAMMED');
  });
});

describe('a pickup', () => {
  const collecting = () => slot({ occupancy: 'OCCUPIED', parcelId: 'p1', command: command('PICKUP') });

  it('is retrieved when the door opens, and the slot is empty but not FREE until closed and locked', () => {
    const decision = decideDoor(collecting(), parcel('COLLECTING'), opened(3), timings);
    expect(decision.parcelTo).toBe('RETRIEVED');
    expect(decision.ended).toEqual({ commandId: X, outcome: 'DONE' });
    expect(decision.slot).toMatchObject({ occupancy: 'FREE' });
    expect(decision.slot.parcelId).toBeUndefined();
    expect(decision.slot.door?.door).toBe('OPEN');
  });

  it('returns the parcel to STORED when the door jams, with the slot out of service and the parcel inside', () => {
    const decision = decideDoor(collecting(), parcel('COLLECTING'), jam(2), timings);
    expect(decision.parcelTo).toBe('STORED');
    expect(decision.slot).toMatchObject({ occupancy: 'OCCUPIED', parcelId: 'p1', service: 'OUT_OF_SERVICE', fault: 'JAMMED' });
    expect(decision.events.map((event) => event.type)).toEqual(expect.arrayContaining(['PARCEL_PICKUP_FAILED', 'SLOT_FAULT']));
  });

  it('returns the parcel to STORED when the door does not open in time', () => {
    const decision = decideDoor(collecting(), parcel('COLLECTING'), tick, later(40));
    expect(decision.parcelTo).toBe('STORED');
    expect(decision.ended?.outcome).toBe('TIMED_OUT');
    expect(decision.slot).toMatchObject({ service: 'OUT_OF_SERVICE', fault: 'DID_NOT_OPEN', parcelId: 'p1' });
  });

  it('is retrieved after all when the opening report arrives after the timeout', () => {
    // Prepare: the timeout won
    const timedOut = decideDoor(collecting(), parcel('COLLECTING'), tick, later(40)).slot;
    // Act: the door did open
    const decision = decideDoor(timedOut, parcel('STORED'), opened(3), later(41));
    // Assess
    expect(decision.parcelTo).toBe('RETRIEVED');
    expect(decision.slot).toMatchObject({ occupancy: 'FREE', service: 'IN_SERVICE' });
    expect(decision.slot.fault).toBeUndefined();
  });
});

describe('doors without a command', () => {
  it('raise a FORCED_OPEN alarm when a closed door opens with no command behind it', () => {
    const stored = slot({ occupancy: 'OCCUPIED', parcelId: 'p1', lastCommand: { commandId: X, reason: 'DEPOSIT', parcelId: 'p1', outcome: 'DONE', openedVersion: 3, closedVersion: 5 }, door: closedLocked(X, 5) });
    const decision = decideDoor(stored, parcel('STORED'), report(6, { door: 'OPEN' }), timings);
    expect(decision.slot).toMatchObject({ service: 'OUT_OF_SERVICE', fault: 'FORCED_OPEN' });
    expect(decision.events).toContainEqual(expect.objectContaining({ type: 'SLOT_FAULT', fault: 'FORCED_OPEN', parcelId: 'p1' }));
  });

  it('do not alarm when the last command\u2019s opening is reported again', () => {
    const after = slot({ lastCommand: { commandId: X, reason: 'PICKUP', parcelId: 'p1', outcome: 'DONE', openedVersion: 3 }, door: { ...closedLocked(X, 3)!, door: 'OPEN', lock: 'UNLOCKED' } });
    const decision = decideDoor(after, undefined, opened(3), timings);
    expect(decision.changed).toBe(false);
  });

  it('ignore an old report once a newer one is known, beyond its facts', () => {
    const current = slot({ door: closedLocked(null, 9) });
    const decision = decideDoor(current, undefined, report(4, { lastCommandId: null }), timings);
    expect(decision.slot.door?.version).toBe(9);
  });

  it('put a slot whose door stands open with no command out of service, and back when it closes', () => {
    const open = slot({ door: { ...closedLocked(null, 2)!, door: 'OPEN', lock: 'UNLOCKED', openSince: now.toISOString() } });
    const left = decideDoor(open, undefined, tick, later(120));
    expect(left.slot).toMatchObject({ service: 'OUT_OF_SERVICE', fault: 'DOOR_LEFT_OPEN' });
    const back = decideDoor(left.slot, undefined, report(3, { lastCommandId: null }), later(200));
    expect(back.slot).toMatchObject({ service: 'IN_SERVICE' });
    expect(back.events.map((event) => event.type)).toContain('SLOT_RESTORED');
  });
});

describe('maintenance', () => {
  it('is done when the door opens and changes no parcel', () => {
    const busy = slot({ occupancy: 'OCCUPIED', parcelId: 'p1', command: command('MAINTENANCE') });
    const decision = decideDoor(busy, parcel('STORED'), opened(2), timings);
    expect(decision.ended).toEqual({ commandId: X, outcome: 'DONE' });
    expect(decision.parcelTo).toBeUndefined();
    expect(decision.slot.parcelId).toBe('p1');
  });

  it('puts the slot out of service when the door jams', () => {
    const busy = slot({ command: command('MAINTENANCE') });
    expect(decideDoor(busy, undefined, jam(2), timings).slot).toMatchObject({ service: 'OUT_OF_SERVICE', fault: 'JAMMED' });
  });
});

describe('every report in every state', () => {
  const reports = { unlocked, opened, closed, locked, jam };
  const states: [string, Slot, Parcel | undefined][] = [
    ['idle', slot(), undefined],
    ['depositing', slot({ occupancy: 'OCCUPIED', parcelId: 'p1', command: command('DEPOSIT') }), parcel('DEPOSITING')],
    ['stored', slot({ occupancy: 'OCCUPIED', parcelId: 'p1' }), parcel('STORED')],
    ['collecting', slot({ occupancy: 'OCCUPIED', parcelId: 'p1', command: command('PICKUP') }), parcel('COLLECTING')],
    ['maintenance', slot({ command: command('MAINTENANCE') }), undefined],
    ['jammed with a parcel', slot({ occupancy: 'OCCUPIED', parcelId: 'p1', service: 'OUT_OF_SERVICE', fault: 'JAMMED' }), parcel('STORED')],
  ];
  for (const [name, state, content] of states) {
    for (const [reportName, make] of Object.entries(reports)) {
      it(`keeps the invariants when a ${name} slot's door reports ${reportName}`, () => {
        const decision = decideDoor(state, content, make(7), timings);
        const next = decision.slot;
        // A slot never holds a parcel while empty, nor is empty while holding one.
        expect(next.occupancy === 'OCCUPIED').toBe(next.parcelId !== undefined);
        // A command ends at most once, and an ended command is no longer active.
        if (decision.ended) expect(next.command?.commandId).not.toBe(decision.ended.commandId);
        // Only a parcel at the door moves, and only along the lifecycle.
        if (decision.parcelTo) expect(['DEPOSITING', 'COLLECTING', 'STORED']).toContain(content?.status);
        // The newest report is what the slot shows.
        expect(next.door?.version).toBe(7);
      });
    }
  }
});

describe('a late report judged against the command it names', () => {
  const Y = 'cmd-y';
  /** The pickup X timed out (parcel STORED, slot DID_NOT_OPEN) while its door was opening. */
  const givenUp = () => {
    const collecting = slot({ occupancy: 'OCCUPIED', parcelId: 'p1', command: command('PICKUP'), door: closedLocked('dep', 2) });
    return decideDoor(collecting, parcel('COLLECTING'), tick, later(40)).slot;
  };

  it('raises no FORCED_OPEN for the "opened" of an earlier command arriving after a later command finished', () => {
    // Prepare: the deposit X was done (opened at 3, closed at 5); the maintenance Y then opened and closed.
    const deposit = { commandId: X, reason: 'DEPOSIT' as const, parcelId: 'p1', outcome: 'DONE' as const, openedVersion: 3, closedVersion: 5 };
    const after = slot({
      occupancy: 'OCCUPIED', parcelId: 'p1', door: closedLocked(Y, 10),
      lastCommand: { commandId: Y, reason: 'MAINTENANCE', outcome: 'DONE', openedVersion: 8, closedVersion: 10 }, earlierCommands: [deposit],
    });

    // Act
    const decision = decideDoor(after, parcel('STORED'), opened(3), timings);

    // Assess
    expect(decision.slot).toMatchObject({ service: 'IN_SERVICE', occupancy: 'OCCUPIED' });
    expect(decision.events.filter((event) => event.type === 'SLOT_FAULT')).toEqual([]);
  });

  it('still raises FORCED_OPEN for a late report of the door open with its latch locked, once', () => {
    // Prepare
    const after = slot({ door: closedLocked(X, 9), lastCommand: { commandId: X, reason: 'PICKUP', parcelId: 'p1', outcome: 'DONE', openedVersion: 3, closedVersion: 5 } });

    // Act
    const forced = decideDoor(after, parcel('RETRIEVED'), report(7, { door: 'OPEN' }), timings);
    const again = decideDoor(settled(forced.slot), parcel('RETRIEVED'), report(7, { door: 'OPEN' }), timings);

    // Assess
    expect(forced.slot).toMatchObject({ service: 'OUT_OF_SERVICE', fault: 'FORCED_OPEN', forcedOpenVersion: 7 });
    expect(again.events.filter((event) => event.type === 'SLOT_FAULT')).toEqual([]);
  });

  it('makes an EXPIRED parcel RETRIEVED when its timed-out pickup turns out to have opened the door', () => {
    // Act
    const decision = decideDoor(givenUp(), parcel('EXPIRED'), opened(3), later(41));

    // Assess
    expect(decision.parcelTo).toBe('RETRIEVED');
    expect(decision.slot).toMatchObject({ occupancy: 'FREE', service: 'IN_SERVICE' });
  });

  it('ends a second pickup of the same parcel when the first one\u2019s door opened late, and makes the parcel RETRIEVED', () => {
    // Prepare: an admin put the slot back, and the recipient started a second pickup Y.
    const restored = { ...givenUp(), service: 'IN_SERVICE' as const, fault: undefined };
    const retry = { ...restored, command: command('PICKUP', { commandId: Y }) };

    // Act
    const decision = decideDoor(retry, parcel('COLLECTING', { commandId: Y }), opened(3), later(60));

    // Assess
    expect(decision.parcelTo).toBe('RETRIEVED');
    expect(decision.ended).toEqual({ commandId: Y, outcome: 'CANCELLED' });
    expect(decision.slot.occupancy).toBe('FREE');
    expect(decision.slot.command).toBeUndefined();
  });

  it('alerts operators, naming the parcel, when a later change already took effect (CANCELLED), and clears the untrue DID_NOT_OPEN', () => {
    // Prepare: the carrier cancelled the STORED parcel; the slot let it go.
    const { parcelId: _gone, ...emptied } = givenUp();
    const cancelled = { ...emptied, occupancy: 'FREE' as const };

    // Act
    const decision = decideDoor(cancelled, parcel('CANCELLED'), opened(3), later(60));

    // Assess
    expect(decision.parcelTo).toBeUndefined();
    expect(decision.events).toContainEqual(expect.objectContaining({ type: 'DOOR_OPENED_LATE', parcelId: 'p1', commandId: X, from: 'CANCELLED' }));
    expect(decision.slot).toMatchObject({ service: 'IN_SERVICE' });
  });

  it('alerts operators about a pickup opened late whose parcel is no longer the slot\u2019s, read beside the slot\u2019s own', () => {
    // Prepare: after the cancel, another parcel p2 was deposited into the slot.
    const { parcelId: _gone, ...emptied } = givenUp();
    const reused = { ...emptied, service: 'IN_SERVICE' as const, fault: undefined, parcelId: 'p2', command: command('DEPOSIT', { commandId: Y, parcelId: 'p2' }) };

    // Act
    const decision = decideDoor(reused, parcel('DEPOSITING', { parcelId: 'p2', commandId: Y }), opened(3), later(60), parcel('RETURNED'));

    // Assess
    expect(decision.parcelTo).toBeUndefined();
    expect(decision.slot.command?.commandId).toBe(Y);
    expect(decision.events).toContainEqual(expect.objectContaining({ type: 'DOOR_OPENED_LATE', parcelId: 'p1', from: 'RETURNED' }));
  });
});

function settled(next: Slot): Slot {
  return { ...next, version: next.version + 1 };
}

describe("a late pickup opening and a later command's fault", () => {
  it('leaves the DID_NOT_OPEN fault a later deposit raised: an older opening does not disprove it', () => {
    // Prepare: pickup c1 of p1 timed out unheard; p1 was then collected by pickup c2; deposit c3 of p2
    // timed out, so the empty slot is out of service as DID_NOT_OPEN.
    const parcelFields = {
      locationId: 'loc',
      lockerId: 'lk',
      slotId: '01',
      slotSize: 'S',
      size: 'S',
      recipientId: 'r',
      carrierId: 'c',
      createdAt: '2026-11-23T11:00:00.000Z',
      updatedAt: '2026-11-23T11:00:00.000Z',
      pickupWindowHours: 72,
      failedAttempts: 0,
    };
    const slot = {
      locationId: 'loc',
      lockerId: 'lk',
      slotId: '01',
      size: 'S',
      occupancy: 'FREE',
      service: 'OUT_OF_SERVICE',
      fault: 'DID_NOT_OPEN',
      version: 9,
      door: { lock: 'LOCKED', door: 'CLOSED', lastCommandId: 'c3', fault: null, version: 20, at: '2026-11-23T11:59:00.000Z' },
      lastCommand: { commandId: 'c3', reason: 'DEPOSIT', parcelId: 'p2', outcome: 'TIMED_OUT' },
      earlierCommands: [
        { commandId: 'c2', reason: 'PICKUP', parcelId: 'p1', outcome: 'DONE', openedVersion: 10, closedVersion: 12 },
        { commandId: 'c1', reason: 'PICKUP', parcelId: 'p1', outcome: 'TIMED_OUT' },
      ],
    } as Slot;
    const deposited = { ...parcelFields, parcelId: 'p2', status: 'DEPOSIT_FAILED' } as unknown as Parcel;
    const collected = { ...parcelFields, parcelId: 'p1', status: 'RETRIEVED' } as unknown as Parcel;

    // Act: c1's opening arrives now.
    const input: DoorInput = { kind: 'report', observation: { version: 8, report: { lock: 'UNLOCKED', door: 'OPEN', lastCommandId: 'c1', fault: null } } };
    const decision = decideDoor(slot, deposited, input, { now, leftOpenSeconds: 120 }, collected);

    // Assess
    expect(decision.slot).toMatchObject({ occupancy: 'FREE', service: 'OUT_OF_SERVICE', fault: 'DID_NOT_OPEN' });
  });
});
