import { isClosedAndLocked, type DoorReport } from './door.ts';
import type { EventType } from './events.ts';
import type { Parcel, ParcelStatus } from './parcel.ts';
import {
  endedCommand,
  released,
  withEnded,
  withEndedUpdated,
  type ActiveCommand,
  type CommandOutcome,
  type EndedCommand,
  type Slot,
  type SlotFault,
} from './slot.ts';

/**
 * What the service makes of a door: a report from its shadow, or the passing of time. The door is
 * the source of truth (docs/architecture.md §6). Documents arrive twice, late and out of order, so decisions
 * rest on facts that only accumulate (the door opened under command X at shadow version v) and on
 * the newest report by shadow version, never on the order of arrival. Pure: the use case reads the
 * slot and the parcel, calls this, and writes the result conditionally on the versions it read.
 */

/** One `…/update/documents` message, reduced to what the contract defines. */
export interface Observation {
  readonly version: number;
  readonly report: DoorReport;
}

export type DoorInput = { readonly kind: 'report'; readonly observation: Observation } | { readonly kind: 'tick' };

export interface EventDraft {
  readonly type: EventType;
  readonly parcelId?: string;
  readonly commandId?: string;
  readonly fault?: SlotFault;
  readonly from?: string;
  readonly to?: string;
}

export interface DoorDecision {
  /** The slot after the decision (not yet settled: the use case sets its version and deadline). */
  readonly slot: Slot;
  /** A transition of the command's (or the slot's) parcel. */
  readonly parcelTo?: ParcelStatus;
  /** A deposit whose door failed: the parcel needs another slot, or ends DEPOSIT_FAILED. */
  readonly redeposit?: boolean;
  /** A command that ended here: its `desired` is cleared once the change is written. */
  readonly ended?: { readonly commandId: string; readonly outcome: CommandOutcome };
  readonly events: readonly EventDraft[];
  readonly changed: boolean;
}

export interface DoorTimingsNow {
  readonly now: Date;
  readonly leftOpenSeconds: number;
}

/**
 * @param parcel the parcel of the slot's command, or the one inside it, or that of its last command.
 * @param named the parcel of the ended command a report names, when that is another parcel: it is
 *   only read (a pickup that opened late after its parcel moved on raises an alert), never written.
 */
export function decideDoor(
  slot: Slot,
  parcel: Parcel | undefined,
  input: DoorInput,
  { now, leftOpenSeconds }: DoorTimingsNow,
  named?: Parcel,
): DoorDecision {
  let next: Slot = slot;
  let parcelTo: ParcelStatus | undefined;
  let redeposit = false;
  let ended: DoorDecision['ended'];
  const events: EventDraft[] = [];
  const at = now.toISOString();

  const commandParcel = (command: { parcelId?: string; commandId: string }, status: ParcelStatus) =>
    parcel !== undefined && parcel.parcelId === command.parcelId && parcel.commandId === command.commandId && parcel.status === status;

  const end = (command: ActiveCommand, outcome: CommandOutcome) => {
    const { expiresAt: _deadline, ...rest } = command;
    const { command: _active, ...withoutCommand } = next;
    next = withEnded(withoutCommand, { ...rest, outcome });
    ended = { commandId: command.commandId, outcome };
  };

  /** An opening no command explains: the slot goes out of service, once per opening. */
  const forced = (version: number) => {
    if (next.forcedOpenVersion !== undefined && version <= next.forcedOpenVersion) return;
    next = { ...next, forcedOpenVersion: version };
    outOfService('FORCED_OPEN', next.parcelId);
  };

  const outOfService = (fault: SlotFault, parcelId?: string) => {
    if (next.service === 'OUT_OF_SERVICE' && next.fault === fault) return;
    next = { ...next, service: 'OUT_OF_SERVICE', fault };
    events.push({ type: 'SLOT_FAULT', fault, ...(parcelId ? { parcelId } : {}) });
  };

  /** The door did not open for the command: the slot goes out of service, the parcel goes back or moves on. */
  const fail = (command: ActiveCommand, fault: SlotFault, outcome: CommandOutcome) => {
    end(command, outcome);
    if (command.reason === 'DEPOSIT' && commandParcel(command, 'DEPOSITING')) {
      redeposit = true;
      next = released(next, command.parcelId!);
    } else if (command.reason === 'PICKUP' && commandParcel(command, 'COLLECTING')) {
      parcelTo = 'STORED';
      events.push({ type: 'PARCEL_PICKUP_FAILED', parcelId: command.parcelId!, commandId: command.commandId, fault, from: 'COLLECTING', to: 'STORED' });
    }
    outOfService(fault, next.parcelId);
  };

  /**
   * The door opened under a command that had already ended. Under a pickup the recipient has the
   * parcel: it is RETRIEVED when it still can be, else operators are told (docs/door-contract.md).
   */
  const openedLate = (command: EndedCommand) => {
    // A DID_NOT_OPEN fault is this command's only while it is the slot's latest ended command (its
    // timeout raised it): a later command that did not open raised its own, which this older opening
    // does not disprove.
    const clearsFault = slot.lastCommand?.commandId === command.commandId;
    const owner = command.parcelId === undefined ? undefined : [parcel, named].find((candidate) => candidate?.parcelId === command.parcelId);
    if (command.reason === 'PICKUP' && owner === parcel && parcel !== undefined) {
      const inSlot = next.parcelId === parcel.parcelId;
      const retry = next.command;
      if ((parcel.status === 'STORED' || parcel.status === 'EXPIRED') && inSlot) {
        retrieved(parcel.parcelId, clearsFault);
        return;
      }
      if (parcel.status === 'COLLECTING' && inSlot && retry?.reason === 'PICKUP' && retry.parcelId === parcel.parcelId && parcel.commandId === retry.commandId) {
        // A second pickup of the same parcel is under way: the first one's door already gave it out.
        end(retry, 'CANCELLED');
        retrieved(parcel.parcelId, clearsFault);
        return;
      }
    }
    if (command.reason === 'PICKUP') {
      // The door did open, and what opened it took the parcel out: nothing is left inside that the
      // service does not know of, so a DID_NOT_OPEN fault the timeout raised is simply untrue.
      if (clearsFault && next.fault === 'DID_NOT_OPEN') next = withoutFault(next);
      // Already collected: the late report only confirms it.
      if (owner?.status === 'RETRIEVED') return;
    }
    // The command's own parcel first: a deposit's may be inside a slot the service let go.
    const about = command.parcelId ?? next.parcelId;
    events.push({
      type: 'DOOR_OPENED_LATE',
      commandId: command.commandId,
      ...(about ? { parcelId: about } : {}),
      ...(command.reason === 'PICKUP' && owner ? { from: owner.status } : {}),
    });
  };

  const retrieved = (parcelId: string, clearsFault: boolean) => {
    parcelTo = 'RETRIEVED';
    next = released(next, parcelId);
    // The door is the source of truth: it did open, so it is not out of service for failing to.
    if (clearsFault && next.fault === 'DID_NOT_OPEN') next = withoutFault(next);
  };

  if (input.kind === 'report') {
    const { version, report } = input.observation;
    const previous = slot.door;
    if (previous && version === previous.version) return unchanged(slot);
    const newest = !previous || version > previous.version;
    // The service's own writes (commands, clears) produce documents that repeat the last report
    // at a newer version: they say nothing about the door.
    if (newest && previous && sameReport(previous, report)) return unchanged(slot);
    if (newest) {
      const openSince = report.door === 'OPEN' ? (previous?.door === 'OPEN' ? (previous.openSince ?? at) : at) : undefined;
      next = { ...next, door: { ...report, version, at, ...(openSince ? { openSince } : {}) } };
      events.push({ type: 'DOOR_REPORTED', from: previous ? summary(previous) : 'UNKNOWN', to: summary(report) });
    }

    const active = next.command;
    const known = active && report.lastCommandId === active.commandId ? undefined : endedCommand(next, report.lastCommandId);
    // A latch sensed locked with the door open is no command's doing: firmware unlocks before a door opens.
    const lockedOpen = report.door === 'OPEN' && report.lock === 'LOCKED';
    if (active && report.lastCommandId === active.commandId) {
      if (report.door === 'OPEN' && (active.openedVersion === undefined || version < active.openedVersion)) {
        next = { ...next, command: { ...active, openedVersion: version } };
      } else if (report.fault === 'JAMMED' && active.openedVersion === undefined) {
        fail(active, 'JAMMED', 'FAILED');
      }
    } else if (known) {
      // A report of a command that already ended, judged by that command's own shadow versions.
      if (report.door === 'OPEN' && !lockedOpen && known.openedVersion === undefined) {
        // The command ended (timed out, failed, cancelled) before its door was heard opening.
        next = withEndedUpdated(next, { ...known, openedVersion: version });
        openedLate(known);
      } else if (report.door === 'OPEN' && !lockedOpen && known.openedVersion !== undefined && version < known.openedVersion) {
        next = withEndedUpdated(next, { ...known, openedVersion: version });
      } else if (report.door === 'OPEN' && (lockedOpen || (known.closedVersion !== undefined && version > known.closedVersion))) {
        // Opened again after the command's door had closed and locked (or with its latch locked).
        if (!(newest && slot.door?.door === 'OPEN')) forced(version);
      } else if (
        isClosedAndLocked(report) &&
        known.openedVersion !== undefined &&
        version > known.openedVersion &&
        (known.closedVersion === undefined || version < known.closedVersion)
      ) {
        // The first close after the opening, whatever order the reports came in.
        next = withEndedUpdated(next, { ...known, closedVersion: version });
      }
    } else if (report.door === 'OPEN' && isUnexplainedOpening(slot, version, report, newest)) {
      forced(version);
    }

    // A door that stood open closes: the slot comes back when the only problem was the open door.
    const door = next.door;
    if (newest && door && isClosedAndLocked(door) && next.fault === 'DOOR_LEFT_OPEN') {
      next = withoutFault(next);
      events.push({ type: 'SLOT_RESTORED', fault: 'DOOR_LEFT_OPEN' });
    }
  }

  const active = next.command;
  if (active?.openedVersion !== undefined) {
    if (active.reason === 'PICKUP') {
      end(active, 'DONE');
      if (commandParcel(active, 'COLLECTING')) {
        parcelTo = 'RETRIEVED';
        next = released(next, active.parcelId!);
      }
    } else if (active.reason === 'MAINTENANCE') {
      end(active, 'DONE');
    } else if (next.door && isClosedAndLocked(next.door) && next.door.version > active.openedVersion) {
      end(active, 'DONE');
      next = { ...next, lastCommand: { ...next.lastCommand!, closedVersion: next.door!.version } };
      if (commandParcel(active, 'DEPOSITING')) parcelTo = 'STORED';
    }
  }

  if (input.kind === 'tick') {
    const pending = next.command;
    if (pending && pending.openedVersion === undefined && Date.parse(pending.expiresAt) < now.getTime()) {
      fail(pending, 'DID_NOT_OPEN', 'TIMED_OUT');
    }
    const door = next.door;
    if (
      door?.door === 'OPEN' &&
      door.openSince &&
      next.service === 'IN_SERVICE' &&
      Date.parse(door.openSince) + leftOpenSeconds * 1000 <= now.getTime()
    ) {
      outOfService('DOOR_LEFT_OPEN', next.parcelId);
    }
  }

  if (parcelTo && parcel && !events.some((event) => event.parcelId === parcel.parcelId && event.to === parcelTo)) {
    events.push({ type: parcelEventType(parcelTo), parcelId: parcel.parcelId, from: parcel.status, to: parcelTo });
  }
  return {
    slot: next,
    ...(parcelTo ? { parcelTo } : {}),
    ...(redeposit ? { redeposit } : {}),
    ...(ended ? { ended } : {}),
    events,
    changed: next !== slot,
  };
}

/**
 * An opening that names no command the slot remembers (none, or one it never sent or forgot). The
 * newest report of it is alarmed unless the door was already known to be open; a late one (an
 * older shadow version than the door's newest) only when its latch was locked: an unlocked door
 * from before the slot's memory was most likely a command's opening, long over.
 */
function isUnexplainedOpening(slot: Slot, version: number, report: DoorReport, newest: boolean): boolean {
  if (slot.fault === 'FORCED_OPEN') return false;
  if (slot.forcedOpenVersion !== undefined && version <= slot.forcedOpenVersion) return false;
  if (newest) return slot.door?.door !== 'OPEN';
  return report.lock === 'LOCKED';
}

function sameReport(a: DoorReport, b: DoorReport): boolean {
  return a.lock === b.lock && a.door === b.door && a.lastCommandId === b.lastCommandId && a.fault === b.fault;
}

function withoutFault(slot: Slot): Slot {
  const { fault: _fault, note: _note, ...rest } = slot;
  return { ...rest, service: 'IN_SERVICE' };
}

function summary(report: Pick<DoorReport, 'lock' | 'door'> & { fault?: string | null }): string {
  return `${report.door}/${report.lock}${report.fault ? `/${report.fault}` : ''}`;
}

function unchanged(slot: Slot): DoorDecision {
  return { slot, events: [], changed: false };
}

function parcelEventType(to: ParcelStatus): EventType {
  switch (to) {
    case 'STORED':
      return 'PARCEL_STORED';
    case 'RETRIEVED':
      return 'PARCEL_RETRIEVED';
    default:
      return 'PARCEL_PICKUP_FAILED';
  }
}
