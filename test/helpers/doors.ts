import { ShadowService, type JsonObject, type ShadowMessage } from '#infra/local/iot/shadow-service';
import { clearDocument, commandDocument, doorShadowName, thingNameOf, type DoorCommand, type DoorReport } from '#shared/domain/door';
import type { DoorAddress, DoorController } from '#shared/ports';
import type { ShadowDocumentsMessage } from '#shared/use-cases/reconcile-door';

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
