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
  /**
   * The commands that ended before `lastCommand`, newest first (at most `rememberedCommands`): a
   * report that arrives late is judged against the command it names and that command's shadow
   * versions, not against whichever command came last (docs/door-contract.md).
   */
  readonly earlierCommands?: readonly EndedCommand[];
  /** The newest shadow version of an opening that raised FORCED_OPEN: a copy of it, or an older one, raises nothing more. */
  readonly forcedOpenVersion?: number;
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

/** How many ended commands a slot remembers besides the last one: enough for reports hours late. */
export const rememberedCommands = 8;

/** The command that just ended becomes the slot's last one; the one before joins the remembered. */
export function withEnded(slot: Slot, ended: EndedCommand): Slot {
  const previous = slot.lastCommand;
  if (!previous || previous.commandId === ended.commandId) return { ...slot, lastCommand: ended };
  const earlier = [previous, ...(slot.earlierCommands ?? []).filter((command) => command.commandId !== ended.commandId)].slice(0, rememberedCommands);
  return { ...slot, lastCommand: ended, earlierCommands: earlier };
}

/** The ended command with this id the slot remembers, if any. */
export function endedCommand(slot: Slot, commandId: string | null): EndedCommand | undefined {
  if (commandId === null) return undefined;
  if (slot.lastCommand?.commandId === commandId) return slot.lastCommand;
  return slot.earlierCommands?.find((command) => command.commandId === commandId);
}

/** The slot with one remembered ended command replaced by what was learnt of it since. */
export function withEndedUpdated(slot: Slot, updated: EndedCommand): Slot {
  if (slot.lastCommand?.commandId === updated.commandId) return { ...slot, lastCommand: updated };
  if (!slot.earlierCommands?.some((command) => command.commandId === updated.commandId)) return slot;
  return { ...slot, earlierCommands: slot.earlierCommands.map((command) => (command.commandId === updated.commandId ? updated : command)) };
}

/** The parcel left (or never entered) the slot: it is empty, and FREE again once its door is closed and locked. */
export function released(slot: Slot, parcelId: string): Slot {
  if (slot.parcelId !== parcelId) return slot;
  const { parcelId: _gone, ...rest } = slot;
  return { ...rest, occupancy: 'FREE' };
}
