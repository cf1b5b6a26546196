import { connectAsync, type MqttClient } from 'mqtt';
import { shadowTopicPrefix, type JsonObject } from './shadow-service.ts';

export type LockState = 'LOCKED' | 'UNLOCKED';
export type DoorPosition = 'OPEN' | 'CLOSED';
/** JAMMED: the latch does not release, the door never opens. LEFT_OPEN: nobody closes the door. */
export type DoorFault = 'JAMMED' | 'LEFT_OPEN';

export interface DoorReport {
  lock: LockState;
  door: DoorPosition;
  lastCommandId: string | null;
  fault: DoorFault | null;
}

export interface SimulatedLockerOptions {
  mqttUrl: string;
  thingName: string;
  slotIds: string[];
  /** Time between the latch releasing and the door swinging open. Default 500 ms. */
  openAfterMs?: number;
  /** Time the door stays open before it is closed (and then locked). Default 5000 ms. */
  closeAfterMs?: number;
}

export function doorShadowName(slotId: string): string {
  return `door-${slotId}`;
}

/**
 * The locker's last will goes here (retained), so anyone can tell an offline locker from a quiet
 * one. Payload: `{"thingName": "…", "state": "ONLINE" | "OFFLINE"}`.
 */
export function connectionTopic(thingName: string): string {
  return `lockers/${thingName}/connection`;
}

interface Door extends DoorReport {
  slotId: string;
  faultMode: DoorFault | null;
  handledCommands: Set<string>;
}

/**
 * A locker as its firmware would behave: it connects as its thing, keeps one named shadow per door,
 * reports its state, and acts on `delta` (and on the delta of a `get` after connecting, since
 * deltas published while it was offline are lost, as with AWS and a clean session).
 */
export class SimulatedLocker {
  private client: MqttClient | undefined;
  private readonly doors = new Map<string, Door>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly openAfterMs: number;
  private readonly closeAfterMs: number;

  private constructor(private readonly options: SimulatedLockerOptions) {
    this.openAfterMs = options.openAfterMs ?? 500;
    this.closeAfterMs = options.closeAfterMs ?? 5000;
    for (const slotId of options.slotIds) {
      this.doors.set(slotId, { slotId, lock: 'LOCKED', door: 'CLOSED', lastCommandId: null, fault: null, faultMode: null, handledCommands: new Set() });
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

  get online(): boolean {
    return this.client?.connected === true;
  }

  doorState(slotId: string): DoorReport {
    const { lock, door, lastCommandId, fault } = this.door(slotId);
    return { lock, door, lastCommandId, fault };
  }

  /** Makes a door misbehave on its next commands, or (null) behave again. */
  setFault(slotId: string, fault: DoorFault | null): void {
    this.door(slotId).faultMode = fault;
  }

  /** Someone pushes a door that was left open shut; it locks and the fault clears. */
  closeDoor(slotId: string): void {
    const door = this.door(slotId);
    if (door.door === 'CLOSED') return;
    Object.assign(door, { door: 'CLOSED', fault: null });
    this.report(door);
    door.lock = 'LOCKED';
    this.report(door);
  }

  /** Loses the connection without a DISCONNECT, so the broker publishes the last will. */
  async goOffline(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    client.stream.destroy();
    await client.endAsync(true);
  }

  /** Reconnects, reports every door and catches up on commands sent while offline. */
  async comeBack(): Promise<void> {
    if (!this.client) await this.connect();
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    await client.publishAsync(connectionTopic(this.thingName), this.connectionPayload('OFFLINE'), { qos: 1, retain: true });
    await client.endAsync();
  }

  private async connect(): Promise<void> {
    const client = await connectAsync(this.options.mqttUrl, {
      clientId: this.thingName,
      clean: true,
      // Reconnection is the test's decision (comeBack), not the library's.
      reconnectPeriod: 0,
      will: { topic: connectionTopic(this.thingName), payload: Buffer.from(this.connectionPayload('OFFLINE')), qos: 1, retain: true },
    });
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    const topics = [...this.doors.keys()].flatMap((slotId) => {
      const prefix = this.prefix(slotId);
      return [`${prefix}/update/delta`, `${prefix}/get/accepted`];
    });
    await client.subscribeAsync(topics, { qos: 1 });
    this.client = client;
    await client.publishAsync(connectionTopic(this.thingName), this.connectionPayload('ONLINE'), { qos: 1, retain: true });
    for (const door of this.doors.values()) {
      this.report(door);
      await client.publishAsync(`${this.prefix(door.slotId)}/get`, '', { qos: 1 });
    }
  }

  private onMessage(topic: string, payload: Buffer): void {
    const door = [...this.doors.values()].find((candidate) => topic.startsWith(`${this.prefix(candidate.slotId)}/`));
    if (!door) return;
    const message = JSON.parse(payload.toString()) as JsonObject;
    const state = message.state as JsonObject | undefined;
    const delta = topic.endsWith('/get/accepted') ? (state?.delta as JsonObject | undefined) : state;
    if (delta) this.onDelta(door, delta);
  }

  private onDelta(door: Door, delta: JsonObject): void {
    const { lock, commandId, expiresAt } = delta;
    if (lock !== 'UNLOCKED' || typeof commandId !== 'string' || door.handledCommands.has(commandId)) return;
    // The desired state stays after the cycle, so the same command comes back in later deltas.
    door.handledCommands.add(commandId);
    if (isExpired(expiresAt)) return;
    if (door.lock !== 'LOCKED' || door.door !== 'CLOSED') return;
    door.lastCommandId = commandId;

    if (door.faultMode === 'JAMMED') {
      door.fault = 'JAMMED';
      this.report(door);
      return;
    }
    Object.assign(door, { lock: 'UNLOCKED', fault: null });
    this.report(door);
    this.after(this.openAfterMs, () => {
      door.door = 'OPEN';
      this.report(door);
      this.after(this.closeAfterMs, () => {
        if (door.faultMode === 'LEFT_OPEN') {
          door.fault = 'LEFT_OPEN';
          this.report(door);
          return;
        }
        this.closeDoor(door.slotId);
      });
    });
  }

  private after(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }

  /** A real door keeps moving while the locker is offline; it reports everything on reconnect. */
  private report(door: Door): void {
    const client = this.client;
    if (!client?.connected) return;
    const reported: DoorReport = this.doorState(door.slotId);
    client.publish(`${this.prefix(door.slotId)}/update`, JSON.stringify({ state: { reported } }), { qos: 1 });
  }

  private prefix(slotId: string): string {
    return shadowTopicPrefix({ thingName: this.thingName, shadowName: doorShadowName(slotId) });
  }

  private door(slotId: string): Door {
    const door = this.doors.get(slotId);
    if (!door) throw new Error(`Locker ${this.thingName} has no slot ${slotId}`);
    return door;
  }

  private connectionPayload(state: 'ONLINE' | 'OFFLINE'): string {
    return JSON.stringify({ thingName: this.thingName, state });
  }
}

/** Accepts epoch seconds (as shadow timestamps) or an ISO-8601 string. */
function isExpired(expiresAt: unknown): boolean {
  const expiresAtMs = typeof expiresAt === 'number' ? expiresAt * 1000 : typeof expiresAt === 'string' ? Date.parse(expiresAt) : Number.NaN;
  return Number.isFinite(expiresAtMs) && expiresAtMs <= Date.now();
}
