import { fileURLToPath } from 'node:url';
import { startLocalStack } from './stack.ts';

/**
 * `npm start`: the service on this machine, on `PORT` (default 3000), until Ctrl-C.
 * `npm run start:assembly` (`--assembly`): the same, with every function from its synthesized bundle.
 * `--persist` (or `PERSIST=1`), with either: the data and the secrets are kept in `.local/data` across restarts.
 */
function portFrom(name: string, fallback: number): number {
  const port = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`${name} must be a port number, got "${process.env[name]}"`);
    process.exit(1);
  }
  return port;
}

/**
 * Door timings from the shell (`DOOR_COMMAND_TIMEOUT_SECONDS=10 npm start`), for either mode; unset,
 * the service's or the templates' own. The stack refuses a value the functions would refuse.
 */
function settingFrom(name: string): number | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : Number(value);
}

const mode = process.argv.includes('--assembly') ? 'assembly' : 'source';
const persist = process.argv.includes('--persist') || ['1', 'true'].includes(process.env.PERSIST ?? '');
// DATA_DIR moves it elsewhere (tests keep theirs in a temporary directory).
const dataDirectory = process.env.DATA_DIR || fileURLToPath(new URL('../../.local/data/', import.meta.url));
const port = portFrom('PORT', 3000);
const iotHttpPort = portFrom('IOT_HTTP_PORT', 4580);
const mqttPort = portFrom('MQTT_PORT', 1883);
// LocalStack's former per-service ports, so a shell's AWS_ENDPOINT_URL_SNS/_SESV2 stays valid across restarts.
const snsPort = portFrom('SNS_PORT', 4575);
const sesPort = portFrom('SES_PORT', 4579);
const doorCommandTimeoutSeconds = settingFrom('DOOR_COMMAND_TIMEOUT_SECONDS');
const doorLeftOpenSeconds = settingFrom('DOOR_LEFT_OPEN_SECONDS');
// A lower kiosk budget (`KIOSK_ATTEMPTS_PER_WINDOW=5 npm start`) to try the 429 by hand; the functions check its range.
const kioskAttemptsPerWindow = settingFrom('KIOSK_ATTEMPTS_PER_WINDOW');
// A lower limit per phone or address (`MESSAGES_PER_DESTINATION_HOUR=2 npm start`) to try TOO_MANY_MESSAGES by hand.
const messagesPerDestinationHour = settingFrom('MESSAGES_PER_DESTINATION_HOUR');
const started = performance.now();

console.log(
  mode === 'assembly'
    ? 'Synthesizing the CDK app (or reusing a current cdk.out), then starting DynamoDB Local, the bundled functions, the local API gateway and the IoT, SNS and SES stand-ins…'
    : 'Starting DynamoDB Local, the local API gateway and the IoT, SNS and SES stand-ins…',
);
const fail = (error: unknown): never => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
};
const stack = await startLocalStack({
  port,
  mode,
  iotHttpPort,
  mqttPort,
  snsPort,
  sesPort,
  ...(doorCommandTimeoutSeconds === undefined ? {} : { doorCommandTimeoutSeconds }),
  ...(doorLeftOpenSeconds === undefined ? {} : { doorLeftOpenSeconds }),
  ...(kioskAttemptsPerWindow === undefined ? {} : { kioskAttemptsPerWindow }),
  ...(messagesPerDestinationHour === undefined ? {} : { messagesPerDestinationHour }),
  ...(persist ? { dataDirectory } : {}),
}).catch(fail);

const tokenRequest = JSON.stringify({ sub: 'admin-1', role: 'admin' });
const functions =
  mode === 'assembly'
    ? `Functions: the bundles in cdk.out (${stack.synthMs === 0 ? 'reused, sources unchanged' : `synthesized in ${((stack.synthMs ?? 0) / 1000).toFixed(1)} s`}), each in its own worker with its own environment
Secrets Manager endpoint: ${stack.secretsEndpoint}
`
    : '';
console.log(`
Locker service listening on ${stack.url} (ready in ${((performance.now() - started) / 1000).toFixed(1)} s)
${functions}DynamoDB Local on ${stack.dynamoEndpoint}, this machine only (${persist ? `data and secrets kept in ${dataDirectory}` : 'in memory: start with --persist to keep the data'}, table ${stack.tableName}; restarted if it dies)
IoT Data Plane endpoint: ${stack.iotDataEndpoint}
MQTT broker: ${stack.mqttUrl}
SNS endpoint: ${stack.snsEndpoint} (topics ${stack.topics.parcelEvents}, ${stack.topics.operatorAlerts}; SMS to phone numbers)
SES v2 endpoint: ${stack.sesEndpoint} (emails)
Table stream trigger: polls every ${stack.streams.pollIntervalMs} ms (as Lambda does) and invokes the stream functions; batches it gives up on are listed at GET /_local/dead-letters
Every locker added through the API gets a simulated locker (thing "<locationId>:<lockerId>", a door per slot). Watch one with
  npm run iot -- watch --thing central:A --mqtt-url ${stack.mqttUrl}

Get a token (roles: admin, carrier, customer, kiosk; kiosks also need "locationId") and call the API:
  TOKEN=$(curl -s -X POST ${stack.url}/_local/token -H 'Content-Type: application/json' -d '${tokenRequest}' | sed -E 's/.*"token":"([^"]+)".*/\\1/')
  curl -s ${stack.url}/locations -H "Authorization: Bearer $TOKEN"

Local only: POST /_local/clock {"advanceHours": 73} moves the service clock, POST /_local/sweep runs every schedule now,
POST /_local/lockers/<locationId>/<lockerId>/doors/<slotId> {"fault": "JAMMED" | "LEFT_OPEN" | null} or {"action": "CLOSE" | "FORCE_OPEN"}
makes a simulated door misbehave, POST /_local/lockers/<locationId>/<lockerId> {"online": false | true} cuts its network or brings it back,
GET /_local/messages?to=<email or +E.164 phone> lists the SMS and emails delivered to that address, oldest first,
GET /_local/dead-letters lists the stream batches the notifier failed on after its retries.
Ctrl-C stops everything.
`);

const shutDown = () => {
  console.log('\nStopping…');
  stack.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.once('SIGINT', shutDown);
process.once('SIGTERM', shutDown);
