import { parseArgs } from 'node:util';
import { connectAsync } from 'mqtt';
import { presenceTopic } from './lifecycle-events.ts';
import type { JsonObject } from './shadow-service.ts';
import { startIotLocal } from './start.ts';

const usage = `Usage:
  npx tsx infra/local/iot/cli.ts start [--http-port 4580] [--mqtt-port 1883] [--host 127.0.0.1]
                                       [--locker locker-0001:01,02,03 ...] [--door-close-after-ms 1000]
  npx tsx infra/local/iot/cli.ts watch --thing locker-0001 [--mqtt-url mqtt://127.0.0.1:1883]`;

const [command, ...rest] = process.argv.slice(2);
if (command === 'start') await start(rest);
else if (command === 'watch') await watch(rest);
else {
  console.error(usage);
  process.exitCode = 2;
}

async function start(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'http-port': { type: 'string', default: '4580' },
      'mqtt-port': { type: 'string', default: '1883' },
      host: { type: 'string', default: '127.0.0.1' },
      locker: { type: 'string', multiple: true, default: [] },
      'door-close-after-ms': { type: 'string' },
    },
  });
  const lockers = values.locker.map((spec) => {
    // Thing names hold a colon themselves (`central:A`): the doors follow the last one.
    const separator = spec.lastIndexOf(':');
    const [thingName, slots] = [spec.slice(0, Math.max(separator, 0)), spec.slice(separator + 1)];
    if (separator < 1 || !slots) throw new Error(`--locker takes thing:slot,slot (got "${spec}")`);
    return { thingName, slotIds: slots.split(',') };
  });
  const closeAfter = values['door-close-after-ms'];
  const iot = await startIotLocal({
    httpPort: Number(values['http-port']),
    mqttPort: Number(values['mqtt-port']),
    host: values.host,
    lockers,
    ...(closeAfter === undefined ? {} : { doorCloseAfterMs: Number(closeAfter) }),
  });
  console.log(`IoT Data Plane endpoint: ${iot.dataPlaneEndpoint}`);
  console.log(`MQTT broker: ${iot.mqttUrl}`);
  for (const locker of lockers) console.log(`Simulated locker ${locker.thingName}: doors ${locker.slotIds.map((slot) => `door-${slot}`).join(', ')}`);
  const shutdown = () => {
    iot.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

/** Prints one line per accepted change of any door of the locker, from its update/documents topic. */
async function watch(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { thing: { type: 'string' }, 'mqtt-url': { type: 'string', default: 'mqtt://127.0.0.1:1883' } },
  });
  const thingName = values.thing;
  if (!thingName) throw new Error(`--thing is required\n${usage}`);
  const client = await connectAsync(values['mqtt-url']);
  const documentsTopic = `$aws/things/${thingName}/shadow/name/+/update/documents`;
  const presenceTopics = [presenceTopic('connected', thingName), presenceTopic('disconnected', thingName)];
  client.on('message', (topic, payload) => {
    const message = JSON.parse(payload.toString()) as JsonObject;
    if (presenceTopics.includes(topic)) {
      const reason = message.eventType === 'disconnected' ? ` (${String(message.disconnectReason)})` : '';
      console.log(`${time()} ${thingName} ${String(message.eventType)} v${String(message.versionNumber)}${reason}`);
      return;
    }
    const shadowName = topic.split('/')[5];
    const current = message.current as JsonObject;
    const state = current.state as JsonObject;
    console.log(`${time()} ${shadowName} v${String(current.version)}  reported ${describe(state.reported)}  desired ${describe(state.desired)}`);
  });
  await client.subscribeAsync([documentsTopic, ...presenceTopics]);
  console.log(`Watching ${thingName} on ${values['mqtt-url']} (Ctrl-C to stop)`);
  process.once('SIGINT', () => {
    client.endAsync().then(() => process.exit(0), () => process.exit(1));
  });
}

function describe(section: unknown): string {
  if (typeof section !== 'object' || section === null) return '-';
  return Object.entries(section)
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}

function time(): string {
  return new Date().toISOString().slice(11, 19);
}
