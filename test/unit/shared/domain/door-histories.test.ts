import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultDoorTimings, isClosedAndLocked, type CommandReason, type DoorCommand, type DoorReport } from '#shared/domain/door';
import { decideDoor, type DoorDecision, type DoorInput, type EventDraft, type Observation } from '#shared/domain/door-reconcile';
import { effectsOf, transitioned, type Parcel, type ParcelStatus } from '#shared/domain/parcel';
import { endedCommand, isAllocatable, newSlot, released, settle, statusOf, withEnded, type ActiveCommand, type Slot } from '#shared/domain/slot';

/**
 * Randomized histories of one door: the service's commands and changes (deposits, pickups,
 * maintenance openings, cancels, expiries, returns, an admin restoring the slot), the locker acting
 * on commands as docs/door-contract.md says (or jamming, or being forced open), time passing with
 * the door-timeouts sweep, and the shadow's documents reaching the reconciler late, twice and out of
 * order. The service's side is decideDoor plus the same bookkeeping the use cases do around it;
 * each decision is applied whole, as the conditional writes make it. After every history the door
 * settles (the locker finishes, every document arrives, deadlines pass) and these must hold:
 * - a slot with no parcel in it reads FREE or out of service, never FREE with a parcel inside;
 * - a parcel is in the slot exactly while its status says it is;
 * - a door that opened under a pickup leaves its parcel RETRIEVED, or an operator alert names it;
 * - no FORCED_OPEN without a door that was opened with its latch locked;
 * - when no door misbehaved, the slot ends in service, FREE once empty.
 */

const timings = defaultDoorTimings;
const start = Date.parse('2026-11-23T12:00:00.000Z');
const location = { locationId: 'loc', lockerId: 'A', slotId: '01', size: 'S' } as const;

type Op =
  | { readonly kind: 'deposit' | 'pickup' | 'maintenance' | 'cancel' | 'expire' | 'return' | 'restore' | 'act' | 'jam' | 'force' | 'tick' | 'flush' }
  | { readonly kind: 'wait'; readonly seconds: number }
  | { readonly kind: 'deliver'; readonly pick: number; readonly again: boolean }
  | { readonly kind: 'redeliver'; readonly pick: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<Op>({ kind: 'deposit' }, { kind: 'pickup' }, { kind: 'pickup' }) },
  { weight: 1, arbitrary: fc.constantFrom<Op>({ kind: 'maintenance' }, { kind: 'cancel' }, { kind: 'expire' }, { kind: 'return' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'restore' }) },
  { weight: 4, arbitrary: fc.constant<Op>({ kind: 'act' }) },
  { weight: 1, arbitrary: fc.constantFrom<Op>({ kind: 'jam' }, { kind: 'force' }, { kind: 'act' }, { kind: 'act' }) },
  { weight: 2, arbitrary: fc.constant<Op>({ kind: 'tick' }) },
  { weight: 2, arbitrary: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 20, max: 60 })).map<Op>((seconds) => ({ kind: 'wait', seconds })) },
  { weight: 2, arbitrary: fc.constant<Op>({ kind: 'flush' }) },
  { weight: 5, arbitrary: fc.record({ pick: fc.nat(), again: fc.boolean() }).map<Op>((d) => ({ kind: 'deliver', ...d })) },
  { weight: 1, arbitrary: fc.nat().map<Op>((pick) => ({ kind: 'redeliver', pick })) },
);

interface Firmware {
  report: DoorReport;
  readonly handled: Set<string>;
  /** The steps left of the command it is running: opened, closed, locked. */
  steps: number;
}

class History {
  now = start;
  slot: Slot = { ...newSlot(location), door: { lock: 'LOCKED', door: 'CLOSED', lastCommandId: null, fault: null, version: 1, at: new Date(start).toISOString() } };
  readonly parcels = new Map<string, Parcel>();
  readonly events: EventDraft[] = [];
  shadowVersion = 1;
  desired: DoorCommand | undefined;
  pending: Observation[] = [];
  readonly delivered: Observation[] = [];
  readonly firmware: Firmware = { report: { lock: 'LOCKED', door: 'CLOSED', lastCommandId: null, fault: null }, handled: new Set(), steps: 0 };
  readonly commands = new Map<string, { reason: CommandReason; parcelId?: string }>();
  /** What really happened at the door. */
  readonly openedUnder = new Set<string>();
  readonly timedOut = new Set<string>();
  forced = false;
  jammed = false;
  private counter = 0;

  private date(): Date {
    return new Date(this.now);
  }

  /** Every accepted shadow update yields a documents message with the whole reported state. */
  private shadowChanged(): void {
    this.shadowVersion += 1;
    this.pending.push({ version: this.shadowVersion, report: { ...this.firmware.report } });
  }

  private command(reason: CommandReason, parcelId?: string): ActiveCommand {
    const commandId = `c${++this.counter}`;
    const expiresAt = Math.floor(this.now / 1000) + timings.commandTimeoutSeconds;
    this.commands.set(commandId, { reason, ...(parcelId ? { parcelId } : {}) });
    this.desired = { lock: 'UNLOCKED', commandId, reason, expiresAt };
    this.shadowChanged();
    return { commandId, reason, expiresAt: new Date(expiresAt * 1000).toISOString(), ...(parcelId ? { parcelId } : {}) };
  }

  private clear(commandId: string): void {
    if (this.desired?.commandId !== commandId) return;
    this.desired = undefined;
    this.shadowChanged();
  }

  private parcelInSlot(): Parcel | undefined {
    return this.slot.parcelId ? this.parcels.get(this.slot.parcelId) : undefined;
  }

  run(next: Op): void {
    switch (next.kind) {
      case 'deposit': {
        if (!isAllocatable(this.slot)) return;
        const parcelId = `p${++this.counter}`;
        const record = this.command('DEPOSIT', parcelId);
        const at = this.date().toISOString();
        this.parcels.set(parcelId, {
          parcelId, ...location, slotSize: 'S', recipientId: 'r', carrierId: 'c', status: 'DEPOSITING', createdAt: at, updatedAt: at,
          pickupWindowHours: 72, failedAttempts: 0, commandId: record.commandId,
        });
        this.slot = settle({ ...this.slot, occupancy: 'OCCUPIED', parcelId, command: record }, timings);
        return;
      }
      case 'pickup': {
        // startPickup's refusals: a STORED parcel, its slot in service with no command under way.
        const parcel = this.parcelInSlot();
        if (parcel?.status !== 'STORED' || this.slot.service !== 'IN_SERVICE' || this.slot.command) return;
        const record = this.command('PICKUP', parcel.parcelId);
        this.parcels.set(parcel.parcelId, { ...transitioned(parcel, 'COLLECTING', this.date()), commandId: record.commandId });
        this.slot = settle({ ...this.slot, command: record }, timings);
        return;
      }
      case 'maintenance': {
        if (this.slot.command) return;
        this.slot = settle({ ...this.slot, command: this.command('MAINTENANCE') }, timings);
        return;
      }
      case 'cancel':
      case 'return': {
        // releaseParcel: the parcel leaves its slot, and a deposit's command under way ends.
        const parcel = this.parcelInSlot();
        const to: ParcelStatus = next.kind === 'cancel' ? 'CANCELLED' : 'RETURNED';
        if (!parcel || !['DEPOSITING', 'STORED', 'EXPIRED'].includes(parcel.status) || !effectsOrNull(parcel.status, to)) return;
        let slot = released(this.slot, parcel.parcelId);
        let ended: string | undefined;
        if (slot.command?.parcelId === parcel.parcelId) {
          const { command, ...rest } = slot;
          const { expiresAt: _deadline, ...record } = command;
          slot = withEnded(rest, { ...record, outcome: 'CANCELLED' });
          ended = record.commandId;
        }
        this.parcels.set(parcel.parcelId, transitioned(parcel, to, this.date()));
        this.slot = settle(slot, timings);
        if (ended) this.clear(ended);
        return;
      }
      case 'expire': {
        const parcel = this.parcelInSlot();
        if (parcel?.status === 'STORED') this.parcels.set(parcel.parcelId, transitioned(parcel, 'EXPIRED', this.date()));
        return;
      }
      case 'restore': {
        // setSlotStatus FREE: only while the door reports closed and locked.
        const slot = this.slot;
        if (slot.service !== 'OUT_OF_SERVICE' || (slot.door && !isClosedAndLocked(slot.door))) return;
        const { fault: _fault, note: _note, ...rest } = slot;
        this.slot = settle({ ...rest, service: 'IN_SERVICE' }, timings);
        return;
      }
      case 'act':
        this.act(false);
        return;
      case 'jam':
        this.act(true);
        return;
      case 'force': {
        const firmware = this.firmware;
        if (firmware.steps > 0 || !isClosedAndLocked(firmware.report)) return;
        this.forced = true;
        firmware.report = { ...firmware.report, door: 'OPEN' };
        this.shadowChanged();
        firmware.report = { ...firmware.report, door: 'CLOSED' };
        this.shadowChanged();
        return;
      }
      case 'wait':
        this.now += next.seconds * 1000;
        return;
      case 'flush':
        // The locker catches up and everything published so far arrives, in order.
        while (this.firmware.steps > 0) this.act(false);
        this.act(false);
        while (this.firmware.steps > 0) this.act(false);
        while (this.pending.length > 0) this.run({ kind: 'deliver', pick: 0, again: false });
        return;
      case 'tick':
        this.decide({ kind: 'tick' });
        return;
      case 'deliver': {
        if (this.pending.length === 0) return;
        const [observation] = this.pending.splice(next.pick % this.pending.length, 1);
        if (next.again) this.pending.push(observation!);
        this.delivered.push(observation!);
        this.decide({ kind: 'report', observation: observation! });
        return;
      }
      case 'redeliver': {
        if (this.delivered.length === 0) return;
        this.decide({ kind: 'report', observation: this.delivered[next.pick % this.delivered.length]! });
        return;
      }
    }
  }

  /** The locker: takes a new command from `desired` (once, before its deadline), or runs the next step of the one under way. */
  private act(jam: boolean): void {
    const firmware = this.firmware;
    if (firmware.steps > 0) {
      const commandId = firmware.report.lastCommandId!;
      if (firmware.steps === 3) {
        firmware.report = { ...firmware.report, door: 'OPEN' };
        this.openedUnder.add(commandId);
      } else if (firmware.steps === 2) firmware.report = { ...firmware.report, door: 'CLOSED' };
      else firmware.report = { ...firmware.report, lock: 'LOCKED' };
      firmware.steps -= 1;
      this.shadowChanged();
      return;
    }
    const command = this.desired;
    if (!command || firmware.handled.has(command.commandId) || command.commandId === firmware.report.lastCommandId) return;
    firmware.handled.add(command.commandId);
    if (command.expiresAt * 1000 <= this.now || !isClosedAndLocked(firmware.report)) return;
    if (jam) {
      this.jammed = true;
      firmware.report = { lock: 'LOCKED', door: 'CLOSED', lastCommandId: command.commandId, fault: 'JAMMED' };
    } else {
      firmware.report = { lock: 'UNLOCKED', door: 'CLOSED', lastCommandId: command.commandId, fault: null };
      firmware.steps = 3;
    }
    this.shadowChanged();
  }

  /** settleDoor: the parcels it reads, the decision, and what it writes and clears. */
  private decide(input: DoorInput): DoorDecision {
    const slot = this.slot;
    const parcelId = slot.command?.parcelId ?? slot.parcelId ?? slot.lastCommand?.parcelId;
    const namedId = input.kind === 'report' ? endedCommand(slot, input.observation.report.lastCommandId)?.parcelId : undefined;
    const parcel = parcelId ? this.parcels.get(parcelId) : undefined;
    const named = namedId && namedId !== parcelId ? this.parcels.get(namedId) : undefined;
    const decision = decideDoor(slot, parcel, input, { now: this.date(), leftOpenSeconds: timings.leftOpenSeconds }, named);
    if (!decision.changed) return decision;
    this.slot = settle(decision.slot, timings);
    if (parcel && decision.parcelTo) this.parcels.set(parcel.parcelId, transitioned(parcel, decision.parcelTo, this.date()));
    // One slot only: a deposit whose door failed finds no other slot and ends DEPOSIT_FAILED.
    if (parcel && decision.redeposit) this.parcels.set(parcel.parcelId, transitioned(parcel, 'DEPOSIT_FAILED', this.date()));
    this.events.push(...decision.events);
    if (decision.ended) {
      if (decision.ended.outcome === 'TIMED_OUT') this.timedOut.add(decision.ended.commandId);
      this.clear(decision.ended.commandId);
    }
    return decision;
  }

  /** The door comes to rest: the locker finishes, every document arrives, every deadline passes. */
  settle(): void {
    for (let round = 0; round < 20 && (this.firmware.steps > 0 || this.pending.length > 0); round++) {
      while (this.firmware.steps > 0) this.act(false);
      while (this.pending.length > 0) this.run({ kind: 'deliver', pick: 0, again: false });
    }
    this.now += 10 * 60_000;
    this.run({ kind: 'tick' });
    while (this.pending.length > 0) this.run({ kind: 'deliver', pick: 0, again: false });
  }
}

function effectsOrNull(from: ParcelStatus, to: ParcelStatus) {
  try {
    return effectsOf(from, to);
  } catch {
    return undefined;
  }
}

const inSlotStatuses: readonly ParcelStatus[] = ['DEPOSITING', 'STORED', 'COLLECTING', 'EXPIRED'];

function checkInvariants(history: History): void {
  const { slot, parcels, events } = history;
  const slotFaults = events.filter((event) => event.type === 'SLOT_FAULT').map((event) => event.fault);

  // A slot that is FREE has no parcel; a parcel is in its slot exactly while its status says so.
  if (slot.occupancy === 'FREE' || statusOf(slot) === 'FREE') expect(slot.parcelId).toBeUndefined();
  for (const parcel of parcels.values()) {
    expect({ parcel: parcel.parcelId, status: parcel.status, inSlot: slot.parcelId === parcel.parcelId }).toEqual({
      parcel: parcel.parcelId,
      status: parcel.status,
      inSlot: inSlotStatuses.includes(parcel.status),
    });
  }

  // A door that opened under a pickup: the recipient has the parcel, or operators are told.
  for (const commandId of history.openedUnder) {
    const command = history.commands.get(commandId)!;
    if (command.reason !== 'PICKUP') continue;
    const parcel = parcels.get(command.parcelId!)!;
    const alerted = events.some((event) => event.type === 'DOOR_OPENED_LATE' && event.parcelId === parcel.parcelId && event.commandId === commandId);
    expect(parcel.status === 'RETRIEVED' || alerted, `pickup ${commandId} opened; its parcel is ${parcel.status}, alerted: ${alerted}`).toBe(true);
  }

  // No FORCED_OPEN without a door opened with its latch locked.
  if (!history.forced) expect(slotFaults).not.toContain('FORCED_OPEN');
  if (!history.jammed) expect(slotFaults).not.toContain('JAMMED');

  // When no door misbehaved (no force, no jam, no command given up on that its door did not
  // answer), the slot ends in service and FREE once its parcel has gone.
  const unanswered = [...history.timedOut].some((commandId) => !history.openedUnder.has(commandId) || history.commands.get(commandId)?.reason !== 'PICKUP');
  if (!history.forced && !history.jammed && !unanswered) {
    expect({ service: slot.service, fault: slot.fault }).toEqual({ service: 'IN_SERVICE', fault: undefined });
    if (!slot.parcelId && !slot.command) expect(statusOf(slot)).toBe('FREE');
  }
}

describe('a door through randomized histories of commands, reports, timeouts and other changes', () => {
  it('keeps parcels and slots consistent, gives out no parcel unrecorded and raises no false alarm', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 10, maxLength: 100, size: 'max' }), (ops) => {
        const history = new History();
        for (const next of ops) history.run(next);
        history.settle();
        checkInvariants(history);
      }),
      // A fixed seed, so a failure is reproducible; DOOR_HISTORY_SEED and DOOR_HISTORY_RUNS explore further.
      { seed: Number(process.env.DOOR_HISTORY_SEED ?? 20_261_208), numRuns: Number(process.env.DOOR_HISTORY_RUNS ?? 1_000) },
    );
  }, 60_000);
});
