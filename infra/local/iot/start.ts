import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { Aedes } from 'aedes';
import { createDataPlaneServer } from './data-plane-server.ts';
import { bridgeShadowTopics, brokerPublisher } from './mqtt-bridge.ts';
import { ShadowService } from './shadow-service.ts';
import { SimulatedLocker } from './simulated-locker.ts';

export interface IotLocalOptions {
  /** 0 picks a free port; the returned endpoint carries the real one. */
  httpPort: number;
  /** 0 picks a free port; the returned URL carries the real one. */
  mqttPort: number;
  host?: string;
  /** Simulated lockers to connect once the broker listens, one thing per locker. */
  lockers?: { thingName: string; slotIds: string[] }[];
  /** How long a simulated door stays open before it closes and locks. Default 5000 ms. */
  doorCloseAfterMs?: number;
  /** Epoch seconds for shadow timestamps; tests freeze it. */
  now?: () => number;
}

export interface IotLocal {
  /** Give it to the IoT Data Plane client as `endpoint` (and to `aws iot-data --endpoint-url`). */
  dataPlaneEndpoint: string;
  mqttUrl: string;
  shadows: ShadowService;
  lockers: SimulatedLocker[];
  stop(): Promise<void>;
}

/** The local stand-in for AWS IoT Core: shadows over HTTP and MQTT, and simulated lockers. */
export async function startIotLocal({ httpPort, mqttPort, host = '127.0.0.1', lockers = [], doorCloseAfterMs, now }: IotLocalOptions): Promise<IotLocal> {
  const shadows = new ShadowService(now ? { now } : {});
  // AWS accepts client ids of up to 128 characters; aedes defaults to MQTT 3.1's 23.
  const broker = await Aedes.createBroker({ maxClientsIdLength: 128 });
  const publish = brokerPublisher(broker);
  bridgeShadowTopics(broker, shadows, publish);

  const mqttServer = createServer(broker.handle);
  const httpServer = createDataPlaneServer({ shadows, publish });
  await listen(mqttServer, mqttPort, host);
  await listen(httpServer, httpPort, host);
  const mqttUrl = `mqtt://${host}:${(mqttServer.address() as AddressInfo).port}`;
  const dataPlaneEndpoint = `http://${host}:${(httpServer.address() as AddressInfo).port}`;

  const started = await Promise.all(
    lockers.map(({ thingName, slotIds }) =>
      SimulatedLocker.start({ mqttUrl, thingName, slotIds, ...(doorCloseAfterMs === undefined ? {} : { closeAfterMs: doorCloseAfterMs }) }),
    ),
  );

  return {
    dataPlaneEndpoint,
    mqttUrl,
    shadows,
    lockers: started,
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
