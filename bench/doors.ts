/**
 * `npm run bench:doors` (also the second half of `npm run bench`): pickups through the local stack
 * and its simulated lockers, at concurrency 1 and 16. Two latencies, as a locker operator feels them:
 * - command: from the pickup request leaving the client to the locker receiving its `delta`;
 * - release: from the broker accepting the locker's final "closed and locked" report to the slot
 *   reading FREE in the table.
 * The bench listens on MQTT like any client (its own connection to the local broker) and reads the
 * slot straight from DynamoDB Local every 2 ms. Writes bench/DOORS.md.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { connectAsync } from 'mqtt';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '#shared/adapters/dynamodb/client';
import { slotKey } from '#shared/adapters/dynamodb/entities/slot';
import { doorShadowName, thingNameOf } from '#shared/domain/door';
import { createLocalDynamoDbClient } from '#infra/local/dynamodb-local';
import { startLocalStack, type LocalStack } from '#infra/local/stack';

const pickupsPerRun = Number(process.env.BENCH_PICKUPS ?? 48);
const concurrencies = [1, 16];

interface Timing {
  command: number;
  release: number;
}

async function main(): Promise<void> {
  const stack = await startLocalStack({ port: 0 });
  try {
    const results: { concurrency: number; timings: Timing[] }[] = [];
    for (const concurrency of concurrencies) results.push({ concurrency, timings: await run(stack, concurrency) });
    const lines = [
      '# Doors: pickup latency through the local stack',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:doors\` on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ` +
        `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; \`npm start\` mode (functions from source), DynamoDB Local in memory, ` +
        `${pickupsPerRun} pickups per run, one simulated locker per 16 doors (door opens 200 ms after unlocking, closes 1 s after opening).`,
      '',
      '| concurrency | command p50 | command p99 | release p50 | release p99 |',
      '|---|---|---|---|---|',
      ...results.map(({ concurrency, timings }) => {
        const command = timings.map((t) => t.command);
        const release = timings.map((t) => t.release);
        return `| ${concurrency} | ${ms(percentile(command, 50))} | ${ms(percentile(command, 99))} | ${ms(percentile(release, 50))} | ${ms(percentile(release, 99))} |`;
      }),
      '',
      '- **command**: pickup request sent → the locker\'s `…/update/delta` received (the handler reads the parcel, checks the code,',
      '  writes the COLLECTING transaction, then `UpdateThingShadow`; the shadow service publishes the delta).',
      '- **release**: the locker\'s final closed-and-locked report accepted by the broker → the slot item reads `FREE`',
      '  (topic rule → reconciler: read slot and parcel, decide, one transaction). Sampled every 2 ms, so figures carry up to 2 ms of polling.',
      '- The aim (issue 8) is under 50 ms p50 for each locally.',
    ];
    writeFileSync(new URL('./DOORS.md', import.meta.url), `${lines.join('\n')}\n`);
    console.log(lines.join('\n'));
  } finally {
    await stack.stop();
  }
}

async function run(stack: LocalStack, concurrency: number): Promise<Timing[]> {
  const api = (path: string, token: string, body?: unknown) =>
    fetch(`${stack.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).then(async (response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> }));

  const admin = await stack.issueToken({ sub: 'bench-admin', role: 'admin' });
  const carrier = await stack.issueToken({ sub: 'bench-carrier', role: 'carrier' });
  const locationId = `bench-${concurrency}-${Date.now()}`;
  await api('/locations', admin, { locationId, name: 'Bench', address: '1 Bench St' });
  const lockerIds = Array.from({ length: Math.ceil(pickupsPerRun / 16) }, (_, i) => `lk${i}`);
  for (const lockerId of lockerIds) await api(`/locations/${locationId}/lockers`, admin, { lockerId, slots: { S: 16 } });
  await waitFor(async () => {
    const location = await api(`/locations/${locationId}`, admin);
    return (location.body.lockers as { online: boolean }[]).every((locker) => locker.online);
  });

  // Deposit every parcel first (its door cycles), then measure the pickups.
  const parcels: { parcelId: string; lockerId: string; slotId: string; customer: string; code: string }[] = [];
  for (let i = 0; i < pickupsPerRun; i++) {
    const recipientId = `bench-customer-${concurrency}-${i}`;
    const stored = await api('/parcels', carrier, { locationId, recipientId, size: 'S' });
    const customer = await stack.issueToken({ sub: recipientId, role: 'customer' });
    parcels.push({ parcelId: String(stored.body.parcelId), lockerId: String(stored.body.lockerId), slotId: String(stored.body.slotId), customer, code: '' });
  }
  for (const parcel of parcels) {
    await waitFor(async () => (await api(`/parcels/${parcel.parcelId}`, parcel.customer)).body.status === 'STORED');
    parcel.code = String((await api(`/parcels/${parcel.parcelId}`, parcel.customer)).body.pickupCode);
  }

  const mqtt = await connectAsync(stack.mqttUrl, { clientId: `bench-${concurrency}`, clean: true });
  const table = createDocumentClient(createLocalDynamoDbClient(stack.dynamoEndpoint));
  const deltas = new Map<string, number>();
  const lockedReports = new Map<string, number>();
  mqtt.on('message', (topic, payload) => {
    const at = performance.now();
    const key = topic.split('/').slice(2, 6).join('/');
    if (topic.endsWith('/update/delta')) deltas.set(key, at);
    else if (topic.endsWith('/update/documents')) {
      const reported = (JSON.parse(payload.toString()) as { current?: { state?: { reported?: { lock?: string; door?: string } } } }).current?.state?.reported;
      if (reported?.lock === 'LOCKED' && reported.door === 'CLOSED') lockedReports.set(key, at);
    }
  });
  await mqtt.subscribeAsync([`$aws/things/+/shadow/name/+/update/delta`, `$aws/things/+/shadow/name/+/update/documents`], { qos: 0 });

  const timings: Timing[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < parcels.length) {
      const parcel = parcels[next++]!;
      const key = `${thingNameOf(locationId, parcel.lockerId)}/shadow/name/${doorShadowName(parcel.slotId)}`;
      deltas.delete(key);
      lockedReports.delete(key);
      const sent = performance.now();
      const reply = await api(`/parcels/${parcel.parcelId}/retrieve`, parcel.customer, { pickupCode: parcel.code });
      if (reply.status !== 202) throw new Error(`pickup answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      await waitFor(async () => deltas.has(key), 1);
      const command = deltas.get(key)! - sent;
      await waitFor(async () => lockedReports.has(key), 5);
      let free = 0;
      await waitFor(async () => {
        const { Item } = await table.send(new GetCommand({ TableName: stack.tableName, Key: slotKey({ locationId, lockerId: parcel.lockerId, slotId: parcel.slotId }) }));
        free = performance.now();
        return Item?.status === 'FREE';
      }, 2);
      timings.push({ command, release: free - lockedReports.get(key)! });
    }
  }
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  await mqtt.endAsync();
  return timings;
}

async function waitFor(check: () => Promise<boolean>, everyMs = 50, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;

await main();
