/**
 * The door contract between the service and a locker's firmware (docs/door-contract.md), held in
 * one place: the use cases write commands with it, the reconciler reads reports with it, and the
 * simulated lockers obey it. No I/O here.
 *
 * One IoT thing per locker, one named shadow per door. The service writes `desired`, the locker
 * writes `reported`; a command is acted on once and refused past its deadline.
 */

export type LockState = 'LOCKED' | 'UNLOCKED';
export type DoorPosition = 'OPEN' | 'CLOSED';
export type CommandReason = 'DEPOSIT' | 'PICKUP' | 'MAINTENANCE';
export const commandReasons: readonly CommandReason[] = ['DEPOSIT', 'PICKUP', 'MAINTENANCE'];

/** The one fault a door reports itself: the latch did not release. Everything else the service infers. */
export type ReportedFault = 'JAMMED';

/** What the service writes into `state.desired` to open a door. */
export interface DoorCommand {
  readonly lock: 'UNLOCKED';
  readonly commandId: string;
  readonly reason: CommandReason;
  /** Epoch seconds, as every timestamp in a shadow document: the locker refuses the command after it. */
  readonly expiresAt: number;
}

/** What the locker writes into `state.reported` at each step: unlocked, opened, closed, locked. */
export interface DoorReport {
  readonly lock: LockState;
  readonly door: DoorPosition;
  readonly lastCommandId: string | null;
  readonly fault: ReportedFault | null;
}

/** `door-<slotId>`: the named shadow of one door. */
export function doorShadowName(slotId: string): string {
  return `door-${slotId}`;
}

export function slotIdOfShadow(shadowName: string): string | undefined {
  return shadowName.startsWith('door-') && shadowName.length > 5 ? shadowName.slice(5) : undefined;
}

/**
 * `<locationId>:<lockerId>`. Ids are letters, digits, `-` and `_`, never `:`, so the name splits
 * back into one pair only, and it stays within AWS's thing-name alphabet (`[a-zA-Z0-9:_-]`).
 * AWS allows 128 characters: a location id has at most 64, a locker id at most 63.
 */
export function thingNameOf(locationId: string, lockerId: string): string {
  return `${locationId}:${lockerId}`;
}

export const maxThingNameLength = 128;

export function lockerOfThing(thingName: string): { locationId: string; lockerId: string } | undefined {
  const match = /^([A-Za-z0-9][A-Za-z0-9_-]*):([A-Za-z0-9][A-Za-z0-9_-]*)$/.exec(thingName);
  if (!match || thingName.length > maxThingNameLength) return undefined;
  return { locationId: match[1]!, lockerId: match[2]! };
}

/** The `desired` section that commands a door open. */
export function commandDocument(command: DoorCommand): { state: { desired: DoorCommand } } {
  return { state: { desired: command } };
}

/**
 * Clears `desired` once a command ended (done, failed or timed out): a locker that reconnects and
 * reads its shadow finds no command to replay. Conditional on the shadow's version where the
 * adapter knows it, so a newer command written meanwhile is never wiped.
 */
export function clearDocument(version?: number): { state: { desired: null }; version?: number } {
  return { state: { desired: null }, ...(version === undefined ? {} : { version }) };
}

export function isClosedAndLocked(report: Pick<DoorReport, 'lock' | 'door'> | undefined): boolean {
  return report !== undefined && report.lock === 'LOCKED' && report.door === 'CLOSED';
}

/** A report as the service reads it: anything malformed is not a report. */
export function parseReport(value: unknown): DoorReport | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { lock, door, lastCommandId, fault } = value as Record<string, unknown>;
  if (lock !== 'LOCKED' && lock !== 'UNLOCKED') return undefined;
  if (door !== 'OPEN' && door !== 'CLOSED') return undefined;
  // A null in a shadow deletes the key, so an absent lastCommandId or fault means none.
  if (lastCommandId !== undefined && lastCommandId !== null && typeof lastCommandId !== 'string') return undefined;
  return {
    lock,
    door,
    lastCommandId: typeof lastCommandId === 'string' ? lastCommandId : null,
    fault: fault === 'JAMMED' ? 'JAMMED' : null,
  };
}

/**
 * The locker's side: which command in a `delta` (or in the delta of a `get`) to act on. Once per
 * command id, never past its deadline, and only an unlock with an id and a reason.
 */
export function commandToExecute(
  delta: unknown,
  handled: ReadonlySet<string>,
  nowMs: number,
): { command: DoorCommand } | { refused: 'expired' | 'handled' | 'malformed'; commandId?: string } {
  if (typeof delta !== 'object' || delta === null) return { refused: 'malformed' };
  const { lock, commandId, reason, expiresAt } = delta as Record<string, unknown>;
  if (lock !== 'UNLOCKED' || typeof commandId !== 'string' || commandId === '') return { refused: 'malformed' };
  if (handled.has(commandId)) return { refused: 'handled', commandId };
  if (typeof reason !== 'string' || !commandReasons.includes(reason as CommandReason)) return { refused: 'malformed', commandId };
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return { refused: 'malformed', commandId };
  if (expiresAt * 1000 <= nowMs) return { refused: 'expired', commandId };
  return { command: { lock, commandId, reason: reason as CommandReason, expiresAt } };
}

/** Door timings, from configuration: how long a command may take, how long a door may stand open. */
export interface DoorTimings {
  readonly commandTimeoutSeconds: number;
  readonly leftOpenSeconds: number;
}

export const defaultDoorTimings: DoorTimings = { commandTimeoutSeconds: 30, leftOpenSeconds: 120 };

/**
 * The service gives up on a command this long after the deadline it gave the locker, so a locker
 * that acted just before its deadline has time to say so.
 */
export const commandGraceSeconds = 5;

export function newCommand(commandId: string, reason: CommandReason, now: Date, timings: DoorTimings): DoorCommand {
  return { lock: 'UNLOCKED', commandId, reason, expiresAt: Math.floor(now.getTime() / 1000) + timings.commandTimeoutSeconds };
}
