/**
 * `npm run bench:notify`: from a parcel becoming collectable to its recipient's SMS reaching the
 * local SNS, at 1 and 16 concurrent stores, through the local stack (`npm start` mode). Each store
 * is a carrier's POST /parcels for a customer with a saved profile; the simulated door opens and
 * closes by itself, the reconciler commits PARCEL_STORED, and the table's stream carries the event
 * to the notify function, which publishes the SMS.
 *
 * Latency = the SMS's `sentAt` in the local SNS message log − the PARCEL_STORED event's `at`: both
 * stamped by the same service clock, at the commit and at the `Publish`, so no polling error is in
 * the figure. Writes bench/NOTIFY.md.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { createDocumentClient } from '#shared/adapters/dynamodb/client';
import { createLocalDynamoDbClient } from '#infra/local/dynamodb-local';
import { startLocalStack, type LocalStack } from '#infra/local/stack';

const storesPerRun = Number(process.env.BENCH_STORES ?? 32);
const concurrencies = [1, 16];
const slotsPerLocker = 40;

async function main(): Promise<void> {
  const stack = await startLocalStack({ port: 0, log: () => undefined });
  const documents = createDocumentClient(createLocalDynamoDbClient(stack.dynamoEndpoint));
  try {
    const admin = await stack.issueToken({ sub: 'bench-admin', role: 'admin' });
    const carrier = await stack.issueToken({ sub: 'bench-carrier', role: 'carrier' });
    const locationId = `bench-${ulid().toLowerCase()}`;
    await call(stack, 'POST', '/locations', admin, { locationId, name: 'Bench Square', address: '1 Bench Square' }, 201);
    const lockers = Math.ceil((storesPerRun * concurrencies.length + 1) / slotsPerLocker);
    for (let index = 0; index < lockers; index++) await call(stack, 'POST', `/locations/${locationId}/lockers`, admin, { lockerId: `L${index}`, slots: { S: slotsPerLocker } }, 201);
    await waitFor(async () => {
      const view = (await call(stack, 'GET', `/locations/${locationId}`, admin)) as { lockers?: { online: boolean }[] };
      return view.lockers?.filter((locker) => locker.online).length === lockers;
    }, 'the simulated lockers online');
    const context = { stack, documents, carrier, locationId };
    // One store first, not measured: the first invocation of each function imports it.
    await storeAndTime(context, 0);

    const results: { concurrency: number; latencies: number[] }[] = [];
    let next = 1;
    for (const concurrency of concurrencies) {
      const latencies: number[] = [];
      const queue = Array.from({ length: storesPerRun }, () => next++);
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let n = queue.shift(); n !== undefined; n = queue.shift()) latencies.push(await storeAndTime(context, n));
        }),
      );
      results.push({ concurrency, latencies });
    }

    const lines = [
      '# Notifications: from collectable to SMS through the local stack',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:notify\` on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ` +
        `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; \`npm start\` mode (functions from source), DynamoDB Local in memory, ` +
        `${storesPerRun} stores per run, each for its own recipient with a saved profile (SMS and email); stream poll interval ${stack.streams.pollIntervalMs} ms.`,
      '',
      '| concurrent stores | SMS p50 | SMS p99 | max |',
      '|---|---|---|---|',
      ...results.map(({ concurrency, latencies }) => `| ${concurrency} | ${ms(percentile(latencies, 50))} | ${ms(percentile(latencies, 99))} | ${ms(Math.max(...latencies))} |`),
      '',
      '- **SMS**: the PARCEL_STORED event\'s `at` (the reconciler\'s commit after the door closed and locked) → the SMS\'s `sentAt` in the',
      '  local SNS log (its `Publish` received). Both come from the service clock, so the figure has no sampling error.',
      '- The path: DynamoDB Local\'s stream → the local stream trigger (DescribeStream, GetRecords, filter, batch) → the notify function',
      '  (reads the parcel, its location and the recipient\'s profile, takes a lease in the sent log per channel, sends SMS and email).',
      '- The aim (issue 9) is under 1 s p50 locally.',
      `- Poll interval ${stack.streams.pollIntervalMs} ms: Lambda polls a DynamoDB stream's shards four times a second, so locally a record waits`,
      '  for its poll as long as it would deployed (125 ms on average), and an idle `npm start` costs DynamoDB Local two small calls',
      '  (DescribeStream, GetRecords) per shard every 250 ms. A poll that read records is followed at once, as Lambda keeps reading a busy shard.',
      '- At 16 concurrent stores, the events share DynamoDB Local\'s single shard: batches go one at a time per shard (as Lambda\'s',
      '  parallelization factor 1), so an event waits for the batch before it and for the other sends of its own batch; the two cores',
      '  are also shared with DynamoDB Local\'s JVM and the simulated lockers.',
    ];
    writeFileSync(new URL('./NOTIFY.md', import.meta.url), `${lines.join('\n')}\n`);
    console.log(lines.join('\n'));
  } finally {
    documents.destroy();
    await stack.stop();
  }
}

interface BenchContext {
  readonly stack: LocalStack;
  readonly documents: ReturnType<typeof createDocumentClient>;
  readonly carrier: string;
  readonly locationId: string;
}

/** One recipient, one store; resolves with milliseconds from PARCEL_STORED to the SMS. */
async function storeAndTime({ stack, documents, carrier, locationId }: BenchContext, n: number): Promise<number> {
  const sub = `bench-customer-${ulid().toLowerCase()}`;
  const phone = `+1555${String(1_000_000 + n).slice(1)}`;
  // The token names both addresses as verified, so saving them sends no code (docs/decisions.md, "Paid channels cannot be pumped").
  const customer = await stack.issueToken({ sub, role: 'customer', phone, email: `${sub}@example.com` });
  await call(stack, 'PUT', '/me', customer, { phone, email: `${sub}@example.com`, channels: ['sms', 'email'] }, 200);
  const { parcelId } = (await call(stack, 'POST', '/parcels', carrier, { locationId, recipientId: sub, size: 'S' }, 201)) as { parcelId: string };
  await waitFor(async () => stack.messages.to(phone).length > 0, `the SMS to ${phone}`, 30_000);
  const sentAt = Date.parse(stack.messages.to(phone)[0]!.sentAt);
  const { Items = [] } = await documents.send(
    new QueryCommand({ TableName: stack.tableName, KeyConditionExpression: 'PK = :pk AND begins_with(SK, :evt)', ExpressionAttributeValues: { ':pk': `PARCEL#${parcelId}`, ':evt': 'EVT#' } }),
  );
  const stored = Items.find((item) => item.type === 'PARCEL_STORED');
  if (stored === undefined) throw new Error(`Parcel ${parcelId} has no PARCEL_STORED event`);
  return sentAt - Date.parse(String(stored.at));
}

async function call(stack: LocalStack, method: string, path: string, token: string, body?: unknown, expected?: number): Promise<unknown> {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (expected !== undefined && response.status !== expected) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const ms = (value: number) => `${Math.round(value)} ms`;

await main();
