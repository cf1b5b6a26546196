import { createHash, randomUUID } from 'node:crypto';
import type { Aedes, Client } from 'aedes';
import type { Publish } from './data-plane-server.ts';

/**
 * AWS IoT lifecycle events (developer guide, "Lifecycle events"): the broker publishes
 * `$aws/events/presence/connected/<clientId>` when a client connects and
 * `$aws/events/presence/disconnected/<clientId>` when it goes, with AWS's payloads.
 *
 * - `versionNumber` grows with each connection of a client id; the connect and the disconnect of
 *   one connection carry the same number. After about an hour without a connection AWS starts
 *   again at 0, and so does this broker (by its clock, which the local stack can move).
 * - `disconnectReason`: `CLIENT_INITIATED_DISCONNECT` after an MQTT DISCONNECT,
 *   `DUPLICATE_CLIENTID` when another connection takes the client id over,
 *   `MQTT_KEEP_ALIVE_TIMEOUT` after 1.5 keep-alive periods of silence, `CLIENT_ERROR` for a
 *   protocol error, and `CONNECTION_LOST` for a connection that just ended.
 * - Client ids holding `#` or `+` get no events, as in AWS.
 */
export const presenceTopicFilter = '$aws/events/presence/+/+';

export function presenceTopic(eventType: 'connected' | 'disconnected', clientId: string): string {
  return `$aws/events/presence/${eventType}/${clientId}`;
}

export type DisconnectReason = 'CLIENT_INITIATED_DISCONNECT' | 'CONNECTION_LOST' | 'DUPLICATE_CLIENTID' | 'MQTT_KEEP_ALIVE_TIMEOUT' | 'CLIENT_ERROR';

export interface ConnectedEvent {
  readonly clientId: string;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly eventType: 'connected';
  readonly sessionIdentifier: string;
  readonly principalIdentifier: string;
  readonly ipAddress: string;
  readonly versionNumber: number;
}

export interface DisconnectedEvent {
  readonly clientId: string;
  readonly timestamp: number;
  readonly eventType: 'disconnected';
  readonly sessionIdentifier: string;
  readonly principalIdentifier: string;
  readonly clientInitiatedDisconnect: boolean;
  readonly disconnectReason: DisconnectReason;
  readonly versionNumber: number;
}

export interface LifecycleEventOptions {
  /** The broker's clock: event timestamps and the version reset. */
  readonly clock: () => Date;
  /** AWS: "If a client is not connected for approximately one hour, the version number is reset to 0". */
  readonly versionResetAfterMs?: number;
}

interface Connection {
  readonly sessionIdentifier: string;
  readonly versionNumber: number;
}

/** What the broker remembers of a client id between its connections. */
interface ClientHistory {
  versionNumber: number;
  disconnectedAtMs?: number;
}

/**
 * Publishes the lifecycle events of every client of the broker through `publish` (so MQTT
 * subscribers and the local rules engine both see them). Installs the broker's `preConnect` hook
 * to notice a client id being taken over before the old connection closes.
 */
export function publishLifecycleEvents(broker: Aedes, publish: Publish, { clock, versionResetAfterMs = 3_600_000 }: LifecycleEventOptions): void {
  const histories = new Map<string, ClientHistory>();
  const connections = new WeakMap<Client, Connection>();
  const live = new Map<string, Client>();
  const takenOver = new WeakSet<Client>();
  const keepAliveExpired = new WeakSet<Client>();
  const protocolErrors = new WeakSet<Client>();

  const send = (topic: string, event: ConnectedEvent | DisconnectedEvent) => {
    // Once the broker is closing, nobody is left to hear it (and AWS never stops).
    if (broker.closed) return;
    publish(topic, Buffer.from(JSON.stringify(event)), { qos: 1, retain: false }).catch((error: unknown) =>
      console.error('iot-local: publishing a lifecycle event failed', error),
    );
  };

  broker.preConnect = (client, packet, callback) => {
    const previous = live.get(packet.clientId);
    if (previous !== undefined && previous !== client) takenOver.add(previous);
    callback(null, true);
  };
  broker.on('keepaliveTimeout', (client) => keepAliveExpired.add(client));
  broker.on('clientError', (client, error) => {
    // A socket error is the connection going away; anything else is the client breaking the protocol.
    if (!('code' in error && typeof error.code === 'string' && error.code.startsWith('E'))) protocolErrors.add(client);
  });

  broker.on('client', (client) => {
    if (!receivesEvents(client.id)) return;
    const nowMs = clock().getTime();
    const history = histories.get(client.id);
    const forgotten = history?.disconnectedAtMs !== undefined && nowMs - history.disconnectedAtMs >= versionResetAfterMs;
    const versionNumber = history === undefined || forgotten ? 0 : history.versionNumber + 1;
    histories.set(client.id, { versionNumber });
    const connection = { sessionIdentifier: randomUUID(), versionNumber };
    connections.set(client, connection);
    live.set(client.id, client);
    send(presenceTopic('connected', client.id), {
      clientId: client.id,
      timestamp: nowMs,
      eventType: 'connected',
      sessionIdentifier: connection.sessionIdentifier,
      principalIdentifier: principalOf(client.id),
      ipAddress: ipAddressOf(client),
      versionNumber,
    });
  });

  broker.on('clientDisconnect', (client) => {
    const connection = connections.get(client);
    if (connection === undefined) return;
    connections.delete(client);
    if (live.get(client.id) === client) live.delete(client.id);
    const nowMs = clock().getTime();
    const history = histories.get(client.id);
    // Only the newest connection of a client id dates its absence.
    if (history !== undefined && history.versionNumber === connection.versionNumber) history.disconnectedAtMs = nowMs;
    const disconnectReason = reasonOf(client);
    send(presenceTopic('disconnected', client.id), {
      clientId: client.id,
      timestamp: nowMs,
      eventType: 'disconnected',
      sessionIdentifier: connection.sessionIdentifier,
      principalIdentifier: principalOf(client.id),
      clientInitiatedDisconnect: disconnectReason === 'CLIENT_INITIATED_DISCONNECT',
      disconnectReason,
      versionNumber: connection.versionNumber,
    });
  });

  function reasonOf(client: Client): DisconnectReason {
    // aedes marks a client that sent DISCONNECT (it then publishes no last will).
    if ((client as Client & { _disconnected?: boolean })._disconnected === true) return 'CLIENT_INITIATED_DISCONNECT';
    if (takenOver.has(client)) return 'DUPLICATE_CLIENTID';
    if (keepAliveExpired.has(client)) return 'MQTT_KEEP_ALIVE_TIMEOUT';
    if (protocolErrors.has(client)) return 'CLIENT_ERROR';
    return 'CONNECTION_LOST';
  }
}

function receivesEvents(clientId: string): boolean {
  return !clientId.includes('#') && !clientId.includes('+');
}

/**
 * In AWS the id of the X.509 certificate the client authenticated with (64 hex digits). Nothing
 * authenticates locally, so each client id gets a stable stand-in of the same shape.
 */
function principalOf(clientId: string): string {
  return createHash('sha256').update(`local-certificate:${clientId}`).digest('hex');
}

function ipAddressOf(client: Client): string {
  const address = 'remoteAddress' in client.conn ? client.conn.remoteAddress : undefined;
  return (address ?? '127.0.0.1').replace(/^::ffff:/, '');
}
