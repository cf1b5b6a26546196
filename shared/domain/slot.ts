import { commandGraceSeconds, isClosedAndLocked, type CommandReason, type DoorReport, type DoorTimings } from './door.ts';

export const slotSizes = ['S', 'M', 'L'] as const;
export type SlotSize = (typeof slotSizes)[number];

/** Whether a parcel is in the slot (or claimed it), independent of whether the door works. */
export type Occupancy = 'FREE' | 'OCCUPIED';
export type Service = 'IN_SERVICE' | 'OUT_OF_SERVICE';
/**
 * Why a slot is out of service. The first four come from its door; MAINTENANCE is an admin's
 * decision (with a free-text `note`).
 */
export type SlotFault = 'JAMMED' | 'DID_NOT_OPEN' | 'DOOR_LEFT_OPEN' | 'FORCED_OPEN' | 'MAINTENANCE';

/** The summary clients have always seen: FREE only when a store could use the slot right now. */
export type SlotStatus = 'FREE' | 'OCCUPIED' | 'OUT_OF_SERVICE';

/** The door's last report, by shadow version, with when the door was first seen open. */
export interface DoorState extends DoorReport {
  readonly version: number;
  readonly at: string;
  readonly openSince?: string;
}

/** A command the service sent and is waiting on. */
export interface ActiveCommand {
  readonly commandId: string;
  readonly reason: CommandReason;
  readonly parcelId?: string;
  /** ISO time the locker refuses it after (the shadow carries the same instant in epoch seconds). */
  readonly expiresAt: string;
  /** Shadow version of the first report of the door open under this command. */
  readonly openedVersion?: number;
}

export type CommandOutcome = 'DONE' | 'FAILED' | 'TIMED_OUT' | 'CANCELLED';

/** The command that ended last: late or repeated reports about it are recognised, not alarmed. */
export interface EndedCommand extends Omit<ActiveCommand, 'expiresAt'> {
  readonly outcome: CommandOutcome;
  /** Shadow version of the first report of the door closed and locked after it opened. */
  readonly closedVersion?: number;
}

export interface Slot {
  readonly locationId: string;
  readonly lockerId: string;
  readonly slotId: string;
  readonly size: SlotSize;
  readonly occupancy: Occupancy;
  readonly service: Service;
  readonly fault?: SlotFault;
  /** An admin's reason for taking the slot out of service. */
  readonly note?: string;
  readonly parcelId?: string;
  readonly door?: DoorState;
  readonly command?: ActiveCommand;
  readonly lastCommand?: EndedCommand;
  /** When the reconciler must look at this slot again even if its door says nothing (timeouts). */
  readonly deadline?: string;
  /** Incremented by every write: each change is conditional on the version it read. */
  readonly version: number;
}

/** Where a slot is, without its state: what allocation hands out and a parcel points to. */
export type SlotAddress = Pick<Slot, 'locationId' | 'lockerId' | 'slotId' | 'size'>;

export function newSlot(address: SlotAddress): Slot {
  return { ...address, occupancy: 'FREE', service: 'IN_SERVICE', version: 0 };
}

/**
 * A store may claim the slot: empty, in service, no command under way, and its door closed and
 * locked (a door never heard from yet is taken to be: a new locker reports on connecting).
 */
export function isAllocatable(slot: Slot): boolean {
  return (
    slot.occupancy === 'FREE' &&
    slot.service === 'IN_SERVICE' &&
    slot.command === undefined &&
    (slot.door === undefined || isClosedAndLocked(slot.door))
  );
}

export function statusOf(slot: Slot): SlotStatus {
  if (slot.service === 'OUT_OF_SERVICE') return 'OUT_OF_SERVICE';
  return isAllocatable(slot) ? 'FREE' : 'OCCUPIED';
}

/**
 * The next instant the slot needs attention without a report: a command's deadline (plus grace)
 * until its door opens, then the time an open door counts as left open.
 */
export function deadlineOf(slot: Omit<Slot, 'deadline'>, timings: DoorTimings): string | undefined {
  if (slot.command && slot.command.openedVersion === undefined) {
    return new Date(Date.parse(slot.command.expiresAt) + commandGraceSeconds * 1000).toISOString();
  }
  // An open door out of service for another reason is already in operators' hands.
  if (slot.door?.door === 'OPEN' && slot.door.openSince && slot.service === 'IN_SERVICE') {
    return new Date(Date.parse(slot.door.openSince) + timings.leftOpenSeconds * 1000).toISOString();
  }
  return undefined;
}

/** Sets the derived deadline and the next version: every decided slot goes through here before it is written. */
export function settle(slot: Slot, timings: DoorTimings): Slot {
  const { deadline: _previous, ...rest } = slot;
  const deadline = deadlineOf(rest, timings);
  return { ...rest, ...(deadline ? { deadline } : {}), version: slot.version + 1 };
}

const sizeRank: Record<SlotSize, number> = { S: 0, M: 1, L: 2 };

export function sizeFits(parcelSize: SlotSize, slotSize: SlotSize): boolean {
  return sizeRank[slotSize] >= sizeRank[parcelSize];
}

export function compareSizes(a: SlotSize, b: SlotSize): number {
  return sizeRank[a] - sizeRank[b];
}

/** Slot ids are door numbers within a locker: "01", "02", … (the door's shadow is `door-<slotId>`). */
export function slotIdFor(doorNumber: number): string {
  return String(doorNumber).padStart(2, '0');
}

export type FreeCounts = Record<SlotSize, number>;

export function countFree(slots: readonly Slot[]): FreeCounts {
  const counts: FreeCounts = { S: 0, M: 0, L: 0 };
  for (const slot of slots) if (isAllocatable(slot)) counts[slot.size] += 1;
  return counts;
}

/** The parcel left (or never entered) the slot: it is empty, and FREE again once its door is closed and locked. */
export function released(slot: Slot, parcelId: string): Slot {
  if (slot.parcelId !== parcelId) return slot;
  const { parcelId: _gone, ...rest } = slot;
  return { ...rest, occupancy: 'FREE' };
}
