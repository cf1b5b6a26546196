import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { Aedes } from 'aedes';
import { createDataPlaneServer } from './data-plane-server.ts';
import { publishLifecycleEvents } from './lifecycle-events.ts';
import { bridgeShadowTopics, brokerPublisher } from './mqtt-bridge.ts';
import { ShadowService, type ShadowServiceOptions } from './shadow-service.ts';
import { SimulatedLocker } from './simulated-locker.ts';

export interface IotLocalOptions {
  /** 0 picks a free port; the returned endpoint carries the real one. */
  httpPort: number;
  /** 0 picks a free port; the returned URL carries the real one. */
  mqttPort: number;
  host?: string;
  /** Simulated lockers to connect once the broker listens, one thing per locker. */
  lockers?: { thingName: string; slotIds: string[] }[];
  /** How long a simulated door stays open before it closes and locks (SimulatedLocker's default otherwise). */
  doorCloseAfterMs?: number;
  /**
   * The time the stand-in lives in: shadow timestamps, lifecycle events and the lockers' command
   * deadlines. The local stack passes its movable service clock; tests freeze it.
   */
  clock?: () => Date;
  /** Shadows kept from an earlier run, and who to tell when one changes (the local stack's `--persist`). */
  shadows?: Pick<ShadowServiceOptions, 'initial' | 'changed'>;
}

/** One message as the broker routes it, seen from inside (as AWS's rules engine sees it). */
export interface BrokerMessage {
  readonly topic: string;
  readonly payload: Buffer;
}

export interface IotLocal {
  /** Give it to the IoT Data Plane client as `endpoint` (and to `aws iot-data --endpoint-url`). */
  dataPlaneEndpoint: string;
  mqttUrl: string;
  shadows: ShadowService;
  lockers: SimulatedLocker[];
  /**
   * Hands every message on topics matching the filter to the listener, without being an MQTT
   * client (so without lifecycle events of its own). Resolves with the way to stop.
   */
  subscribe(topicFilter: string, listener: (message: BrokerMessage) => void): Promise<() => Promise<void>>;
  stop(): Promise<void>;
}

/** The local stand-in for AWS IoT Core: shadows over HTTP and MQTT, lifecycle events, and simulated lockers. */
export async function startIotLocal({ httpPort, mqttPort, host = '127.0.0.1', lockers = [], doorCloseAfterMs, clock = () => new Date(), shadows: kept }: IotLocalOptions): Promise<IotLocal> {
  const shadows = new ShadowService({ now: () => Math.floor(clock().getTime() / 1000), ...kept });
  // AWS accepts client ids of up to 128 characters; aedes defaults to MQTT 3.1's 23.
  const broker = await Aedes.createBroker({ maxClientsIdLength: 128 });
  const publish = brokerPublisher(broker);
  bridgeShadowTopics(broker, shadows, publish);
  publishLifecycleEvents(broker, publish, { clock });

  const mqttServer = createServer(broker.handle);
  const httpServer = createDataPlaneServer({ shadows, publish });
  await listen(mqttServer, mqttPort, host);
  await listen(httpServer, httpPort, host);
  const mqttUrl = `mqtt://${host}:${(mqttServer.address() as AddressInfo).port}`;
  const dataPlaneEndpoint = `http://${host}:${(httpServer.address() as AddressInfo).port}`;

  const started = await Promise.all(
    lockers.map(({ thingName, slotIds }) =>
      SimulatedLocker.start({ mqttUrl, thingName, slotIds, now: clock, ...(doorCloseAfterMs === undefined ? {} : { closeAfterMs: doorCloseAfterMs }) }),
    ),
  );

  return {
    dataPlaneEndpoint,
    mqttUrl,
    shadows,
    lockers: started,
    async subscribe(topicFilter, listener) {
      const deliver = (packet: { topic: string; payload: Buffer | string }, done: () => void) => {
        listener({ topic: packet.topic, payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload) });
        done();
      };
      await new Promise<void>((resolve) => broker.subscribe(topicFilter, deliver, resolve));
      return () =>
        new Promise<void>((resolve) => {
          if (broker.closed) resolve();
          else broker.unsubscribe(topicFilter, deliver, resolve);
        });
    },
    async stop() {
      await Promise.all(started.map((locker) => locker.stop()));
      httpServer.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => httpServer.close(() => resolve())),
        new Promise<void>((resolve) => broker.close(() => resolve())),
        new Promise<void>((resolve) => mqttServer.close(() => resolve())),
      ]);
    },
  };
}

async function listen(server: Server | HttpServer, port: number, host: string): Promise<void> {
  server.listen(port, host);
  await once(server, 'listening');
}
