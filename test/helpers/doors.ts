import { ShadowService, type JsonObject, type ShadowMessage } from '#infra/local/iot/shadow-service';
import { clearDocument, commandDocument, doorShadowName, thingNameOf, type DoorCommand, type DoorReport } from '#shared/domain/door';
import type { Actor } from '#shared/domain/actor';
import type { Slot } from '#shared/domain/slot';
import type { DoorAddress, DoorController, StoredParcel } from '#shared/ports';
import { addLocker } from '#shared/use-cases/add-locker';
import { reconcileDoor, type ShadowDocumentsMessage } from '#shared/use-cases/reconcile-door';
import { storeParcel, type StoreParcelInput } from '#shared/use-cases/store-parcel';
import { trackPresence } from '#shared/use-cases/track-presence';
import { actors } from './actors.ts';
import type { TestDeps } from './deps.ts';

/**
 * Doors for integration tests: real AWS shadow semantics (the local stand-in's shadow service,
 * in memory), the service's commands written as the IoT adapter writes them, and the locker's
 * reports written as firmware would. Every accepted change yields the `…/update/documents`
 * message the topic rule would deliver, with the thing and shadow names added as its SQL does.
 */
export class ShadowDoors implements DoorController {
  readonly shadows = new ShadowService();
  readonly commands: { door: DoorAddress; command: DoorCommand }[] = [];
  /** Documents messages not yet taken by the test, oldest first. */
  private pending: ShadowDocumentsMessage[] = [];
  failNextCommand = false;

  async command(door: DoorAddress, command: DoorCommand): Promise<void> {
    if (this.failNextCommand) {
      this.failNextCommand = false;
      throw Object.assign(new Error('Shadow write timed out'), { name: 'TimeoutError' });
    }
    this.commands.push({ door, command });
    this.update(door, commandDocument(command) as unknown as JsonObject);
  }

  async clear(door: DoorAddress, commandId: string): Promise<void> {
    const outcome = this.shadows.get(ref(door));
    if (!outcome.ok) return;
    const desired = (outcome.document.state as JsonObject | undefined)?.desired as JsonObject | undefined;
    if (desired?.commandId !== commandId) return;
    this.update(door, clearDocument(outcome.document.version as number) as unknown as JsonObject);
  }

  /** The locker reports a door state, as firmware publishes on `…/update`. */
  report(door: DoorAddress, reported: DoorReport): ShadowDocumentsMessage {
    this.update(door, { state: { reported: { ...reported } } } as unknown as JsonObject);
    return this.pending.at(-1)!;
  }

  /** The documents messages produced since the last call, for the test to deliver in any order. */
  take(): ShadowDocumentsMessage[] {
    const taken = this.pending;
    this.pending = [];
    return taken;
  }

  desired(door: DoorAddress): JsonObject | undefined {
    const outcome = this.shadows.get(ref(door));
    return outcome.ok ? ((outcome.document.state as JsonObject | undefined)?.desired as JsonObject | undefined) : undefined;
  }

  private update(door: DoorAddress, document: JsonObject): void {
    const outcome = this.shadows.update(ref(door), JSON.stringify(document));
    if (!outcome.ok) throw new Error(`Shadow update refused: ${outcome.error.message}`);
    for (const message of outcome.messages) if (message.topic.endsWith('/update/documents')) this.pending.push(documents(door, message));
  }
}

function ref(door: DoorAddress) {
  return { thingName: thingNameOf(door.locationId, door.lockerId), shadowName: doorShadowName(door.slotId) };
}

function documents(door: DoorAddress, message: ShadowMessage): ShadowDocumentsMessage {
  const { thingName, shadowName } = ref(door);
  return { ...(message.payload as object), thingName, shadowName } as ShadowDocumentsMessage;
}

/** The four reports of a door that opens and closes under a command. */
export function cycle(commandId: string): DoorReport[] {
  return [
    { lock: 'UNLOCKED', door: 'CLOSED', lastCommandId: commandId, fault: null },
    { lock: 'UNLOCKED', door: 'OPEN', lastCommandId: commandId, fault: null },
    { lock: 'UNLOCKED', door: 'CLOSED', lastCommandId: commandId, fault: null },
    { lock: 'LOCKED', door: 'CLOSED', lastCommandId: commandId, fault: null },
  ];
}

export const jammed = (commandId: string): DoorReport => ({ lock: 'LOCKED', door: 'CLOSED', lastCommandId: commandId, fault: 'JAMMED' });

/** Where a parcel's (or a pickup's) door is, without anything else the object carries. */
export function doorOf(at: DoorAddress): DoorAddress {
  return { locationId: at.locationId, lockerId: at.lockerId, slotId: at.slotId };
}

/** Hands documents messages to the reconciler one at a time, in the order given, as the topic rule invokes it. */
export async function deliver(deps: TestDeps, messages: readonly ShadowDocumentsMessage[]): Promise<void> {
  for (const message of messages) await reconcileDoor(deps, message);
}

/**
 * Delivers every pending documents message, oldest first, until none is left: the service's own
 * writes (a command, a cleared command) produce documents too, as they do in AWS.
 */
export async function deliverPending(deps: TestDeps): Promise<void> {
  for (let round = 0; round < 10; round++) {
    const messages = deps.doors.take();
    if (messages.length === 0) return;
    await deliver(deps, messages);
  }
  throw new Error('Documents kept coming: the reconciler and the shadow are feeding each other');
}

/** The locker reports each state in turn, and each document reaches the reconciler before the next report. */
export async function reportInTurn(deps: TestDeps, door: DoorAddress, reports: readonly DoorReport[]): Promise<void> {
  await deliverPending(deps);
  for (const report of reports) {
    deps.doors.report(doorOf(door), report);
    await deliverPending(deps);
  }
}

function commandOf(at: { commandId?: string }): string {
  if (!at.commandId) throw new Error('No door command under way');
  return at.commandId;
}

/** The deposit's door unlocks, opens, closes and locks: the parcel is STORED. */
export async function depositThroughDoor(deps: TestDeps, depositing: DoorAddress & { commandId?: string }): Promise<void> {
  await reportInTurn(deps, depositing, cycle(commandOf(depositing)));
}

/** The pickup's door unlocks and opens: the parcel is RETRIEVED, its slot empty but not yet FREE. */
export async function openDoorForPickup(deps: TestDeps, door: DoorAddress, pickup: { commandId: string }): Promise<void> {
  await reportInTurn(deps, door, cycle(pickup.commandId).slice(0, 2));
}

/** The door of a command closes and locks again. */
export async function closeDoor(deps: TestDeps, door: DoorAddress, command: { commandId: string }): Promise<void> {
  await reportInTurn(deps, door, cycle(command.commandId).slice(2));
}

/** A store whose door then opens and closes: the parcel as it is once STORED. */
export async function storeThroughDoor(deps: TestDeps, actor: Actor, input: StoreParcelInput): Promise<StoredParcel> {
  const depositing = await storeParcel(deps, actor, input);
  await depositThroughDoor(deps, depositing);
  const stored = await deps.parcels.get(depositing.parcelId);
  if (stored?.status !== 'STORED') throw new Error(`Parcel ${depositing.parcelId} is ${stored?.status}, not STORED`);
  return stored;
}

/** AWS IoT's lifecycle event for a locker connecting (or, with `connected: false`, disconnecting). */
export async function presence(deps: TestDeps, locker: { locationId: string; lockerId: string }, connected: boolean, versionNumber: number) {
  return trackPresence(deps, {
    clientId: thingNameOf(locker.locationId, locker.lockerId),
    eventType: connected ? 'connected' : 'disconnected',
    timestamp: deps.clock.now().getTime(),
    versionNumber,
  });
}

/** Another locker at a location, connected unless told otherwise. */
export async function givenLocker(
  deps: TestDeps,
  locationId: string,
  lockerId: string,
  slots: { S?: number; M?: number; L?: number },
  { online = true }: { online?: boolean } = {},
) {
  const locker = await addLocker(deps, actors.admin, locationId, { lockerId, slots });
  if (online) await presence(deps, locker, true, 1);
  return locker;
}

/** The slot as the table holds it now. */
export async function slotAt(deps: TestDeps, door: DoorAddress): Promise<Slot> {
  const slot = await deps.locations.getSlot(doorOf(door));
  if (!slot) throw new Error(`No slot ${door.lockerId}/${door.slotId}`);
  return slot;
}
