import { connectAsync, type MqttClient } from 'mqtt';
import { commandToExecute, doorShadowName, type DoorReport } from '#shared/domain/door';
import { shadowTopicPrefix, type JsonObject } from './shadow-service.ts';

/**
 * How a simulated door misbehaves. JAMMED: the latch never releases, and the door says so
 * (`fault: "JAMMED"`). LEFT_OPEN: once open, nobody closes the door until `closeDoor`; the door
 * reports nothing special, the service notices from the time it stands open.
 */
export type SimulatedFault = 'JAMMED' | 'LEFT_OPEN';

export interface SimulatedDoor {
  readonly slotId: string;
  /** What the door last reported (or would have, while its locker is offline). */
  readonly reported: DoorReport;
  readonly simulatedFault: SimulatedFault | null;
}

export interface SimulatedLockerOptions {
  mqttUrl: string;
  thingName: string;
  slotIds: readonly string[];
  /** Time between the latch releasing and the door swinging open. Default 200 ms. */
  openAfterMs?: number;
  /** Time the door stays open before it is closed (and then locked). Default 1000 ms. */
  closeAfterMs?: number;
  /** The locker's clock, against which it checks a command's deadline. The local stack passes its movable one. */
  now?: () => Date;
}

interface Door {
  readonly slotId: string;
  report: DoorReport;
  simulatedFault: SimulatedFault | null;
  readonly handledCommands: Set<string>;
  opening?: NodeJS.Timeout;
  closing?: NodeJS.Timeout;
}

/**
 * A locker as its firmware would behave: it connects as its thing, keeps one named shadow per door,
 * reports its state, and acts on `delta` (and on the delta of a `get` after connecting, since
 * deltas published while it was offline are lost, as with AWS and a clean session). Which command
 * to run is the door contract's decision (`commandToExecute`); this class only moves the door.
 * Its presence is the broker's business: AWS IoT lifecycle events.
 */
export class SimulatedLocker {
  private client: MqttClient | undefined;
  private readonly doors = new Map<string, Door>();
  private readonly openAfterMs: number;
  private readonly closeAfterMs: number;
  private readonly now: () => Date;
  private stopped = false;

  private constructor(private readonly options: SimulatedLockerOptions) {
    this.openAfterMs = options.openAfterMs ?? 200;
    this.closeAfterMs = options.closeAfterMs ?? 1000;
    this.now = options.now ?? (() => new Date());
    for (const slotId of options.slotIds) {
      this.doors.set(slotId, {
        slotId,
        report: { lock: 'LOCKED', door: 'CLOSED', lastCommandId: null, fault: null },
        simulatedFault: null,
        handledCommands: new Set(),
      });
    }
  }

  static async start(options: SimulatedLockerOptions): Promise<SimulatedLocker> {
    const locker = new SimulatedLocker(options);
    await locker.connect();
    return locker;
  }

  get thingName(): string {
    return this.options.thingName;
  }

  get slotIds(): readonly string[] {
    return [...this.doors.keys()];
  }

  get online(): boolean {
    return this.client?.connected === true;
  }

  hasDoor(slotId: string): boolean {
    return this.doors.has(slotId);
  }

  doorState(slotId: string): DoorReport {
    return { ...this.door(slotId).report };
  }

  describeDoor(slotId: string): SimulatedDoor {
    const door = this.door(slotId);
    return { slotId, reported: { ...door.report }, simulatedFault: door.simulatedFault };
  }

  /**
   * Makes a door misbehave from now on, or (null) behave again. A jam shows on the next command;
   * a door standing open that is no longer left open closes after the usual delay.
   */
  setFault(slotId: string, fault: SimulatedFault | null): void {
    const door = this.door(slotId);
    door.simulatedFault = fault;
    if (fault !== 'LEFT_OPEN' && door.report.door === 'OPEN' && door.closing === undefined) this.closeLater(door);
  }

  /** Someone shuts an open door: it closes, then locks if it was unlocked. */
  closeDoor(slotId: string): void {
    const door = this.door(slotId);
    if (door.report.door === 'CLOSED') return;
    this.cancel(door, 'closing');
    this.move(door, { door: 'CLOSED' });
    if (door.report.lock === 'UNLOCKED') this.move(door, { lock: 'LOCKED' });
  }

  /**
   * Someone forces a closed door without a command: it reports open while still locked, under the
   * last command it ran, and is closed again after the usual delay (unless left open).
   */
  forceOpen(slotId: string): void {
    const door = this.door(slotId);
    if (door.report.door === 'OPEN') return;
    this.cancel(door, 'opening');
    this.move(door, { door: 'OPEN' });
    this.closeLater(door);
  }

  /** Loses the connection without a DISCONNECT: the broker sees the connection lost. */
  async goOffline(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    client.stream.destroy();
    await client.endAsync(true);
  }

  /** Reconnects, reports every door and catches up on commands sent while offline. */
  async comeBack(): Promise<void> {
    if (!this.client && !this.stopped) await this.connect();
  }

  /** Disconnects cleanly (MQTT DISCONNECT) and stops every door where it is. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const door of this.doors.values()) {
      this.cancel(door, 'opening');
      this.cancel(door, 'closing');
    }
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    await client.endAsync();
  }

  private async connect(): Promise<void> {
    const client = await connectAsync(this.options.mqttUrl, {
      clientId: this.thingName,
      clean: true,
      // Reconnection is the caller's decision (comeBack), not the library's.
      reconnectPeriod: 0,
    });
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    const topics = [...this.doors.keys()].flatMap((slotId) => {
      const prefix = this.prefix(slotId);
      return [`${prefix}/update/delta`, `${prefix}/get/accepted`];
    });
    await client.subscribeAsync(topics, { qos: 1 });
    this.client = client;
    for (const door of this.doors.values()) {
      this.publishReport(door);
      await client.publishAsync(`${this.prefix(door.slotId)}/get`, '', { qos: 1 });
    }
  }

  private onMessage(topic: string, payload: Buffer): void {
    const door = [...this.doors.values()].find((candidate) => topic.startsWith(`${this.prefix(candidate.slotId)}/`));
    if (!door) return;
    let message: JsonObject;
    try {
      message = JSON.parse(payload.toString()) as JsonObject;
    } catch {
      return;
    }
    const state = message.state as JsonObject | undefined;
    const delta = topic.endsWith('/get/accepted') ? state?.delta : state;
    if (delta !== undefined) this.onDelta(door, delta);
  }

  private onDelta(door: Door, delta: unknown): void {
    const decision = commandToExecute(delta, door.handledCommands, this.now().getTime());
    if (!('command' in decision)) return;
    const { commandId } = decision.command;
    // The desired state stays until the service clears it, so the same command comes back in later deltas.
    door.handledCommands.add(commandId);
    // A door that is busy (open, or already moving) cannot run another command: it is dropped.
    if (door.report.lock !== 'LOCKED' || door.report.door !== 'CLOSED' || door.opening !== undefined) return;

    if (door.simulatedFault === 'JAMMED') {
      this.move(door, { lastCommandId: commandId, fault: 'JAMMED' });
      return;
    }
    this.move(door, { lock: 'UNLOCKED', lastCommandId: commandId, fault: null });
    door.opening = setTimeout(() => {
      door.opening = undefined;
      this.move(door, { door: 'OPEN' });
      this.closeLater(door);
    }, this.openAfterMs);
  }

  private closeLater(door: Door): void {
    this.cancel(door, 'closing');
    door.closing = setTimeout(() => {
      door.closing = undefined;
      if (door.simulatedFault !== 'LEFT_OPEN') this.closeDoor(door.slotId);
    }, this.closeAfterMs);
  }

  /** One step of the door, reported as the firmware would. */
  private move(door: Door, change: Partial<DoorReport>): void {
    door.report = { ...door.report, ...change };
    this.publishReport(door);
  }

  private cancel(door: Door, timer: 'opening' | 'closing'): void {
    clearTimeout(door[timer]);
    door[timer] = undefined;
  }

  /** A real door keeps moving while the locker is offline; it reports everything on reconnect. */
  private publishReport(door: Door): void {
    const client = this.client;
    if (!client?.connected) return;
    client.publish(`${this.prefix(door.slotId)}/update`, JSON.stringify({ state: { reported: door.report } }), { qos: 1 });
  }

  private prefix(slotId: string): string {
    return shadowTopicPrefix({ thingName: this.thingName, shadowName: doorShadowName(slotId) });
  }

  private door(slotId: string): Door {
    const door = this.doors.get(slotId);
    if (!door) throw new Error(`Locker ${this.thingName} has no slot ${slotId}`);
    return door;
  }
}
