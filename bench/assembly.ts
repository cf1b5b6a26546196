/**
 * `npm run bench:assembly`: how long `npm run start:assembly` takes to be ready, and each
 * function's cold start from its bundle (the worker importing the bundle, then its first request,
 * which builds the function's ports: a secret read, the first DynamoDB call). Results go to
 * bench/ASSEMBLY.md. Run twice to see both a fresh synth and a reused cdk.out.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { startLocalStack } from '#infra/local/stack';

const resultsFile = new URL('./ASSEMBLY.md', import.meta.url);
const started = performance.now();
const stack = await startLocalStack({ port: 0, mode: 'assembly', functionLog: () => undefined });
const readyMs = performance.now() - started;

try {
  const admin = await stack.issueToken({ sub: 'bench-admin', role: 'admin' });
  const carrier = await stack.issueToken({ sub: 'bench-carrier', role: 'carrier' });
  const customer = await stack.issueToken({ sub: 'bench-customer', role: 'customer' });
  const kiosk = await stack.issueToken({ sub: 'bench-kiosk', role: 'kiosk', locationId: 'bench' });
  const call = async (method: string, path: string, token: string | undefined, body?: unknown) => {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
  };
  // One request per function, each far enough to build its ports and reach the table.
  const statuses: Record<string, number> = {};
  const step = async (name: string, reply: Promise<{ status: number; body: Record<string, unknown> }>) => {
    const { status, body } = await reply;
    statuses[name] = status;
    return body;
  };
  await step('health', call('GET', '/health', undefined));
  await step('create-location', call('POST', '/locations', admin, { locationId: 'bench', name: 'Bench', address: 'Loopback 1' }));
  await step('add-locker', call('POST', '/locations/bench/lockers', admin, { lockerId: 'A', slots: { S: 2 } }));
  const parcel = await step('store-parcel', call('POST', '/parcels', carrier, { locationId: 'bench', recipientId: 'bench-customer', size: 'S' }));
  const parcelId = String(parcel.parcelId);
  await step('get-parcel', call('GET', `/parcels/${parcelId}`, customer));
  await step('list-parcels', call('GET', '/parcels', customer));
  await step('list-locations', call('GET', '/locations', customer));
  await step('get-location', call('GET', '/locations/bench', admin));
  await step('retrieve-parcel', call('POST', `/parcels/${parcelId}/retrieve`, customer, { pickupCode: '0000000000' }));
  await step('kiosk-pickup', call('POST', '/locations/bench/pickup', kiosk, { pickupCode: '0000000000' }));
  await step('reissue-code', call('POST', `/parcels/${parcelId}/code`, customer));
  await step('update-slot', call('PATCH', '/locations/bench/lockers/A/slots/02', admin, { status: 'OUT_OF_SERVICE' }));
  await step('return-parcel', call('POST', `/parcels/${parcelId}/return`, carrier));
  await step('cancel-parcel', call('POST', `/parcels/${parcelId}/cancel`, carrier));
  await step('remove-locker', call('DELETE', '/locations/bench/lockers/A', admin));
  await stack.sweep();
  statuses['expire-parcels'] = 200;

  const rows = [...(stack.coldStarts ?? [])]
    .sort((a, b) => a.functionName.localeCompare(b.functionName))
    .map((cold) => {
      const total = cold.initMs + (cold.firstInvokeMs ?? 0);
      return `| ${cold.functionName} | ${cold.initMs.toFixed(0)} | ${(cold.firstInvokeMs ?? 0).toFixed(0)} | ${total.toFixed(0)} | ${statuses[cold.functionName] ?? ''} |`;
    });
  const section = [
    `<!-- assembly:start -->`,
    `Measured ${new Date().toISOString().slice(0, 10)} on this project's 2-core machine (Node ${process.version}), ${stack.synthMs === 0 ? 'reusing a current cdk.out' : `synthesizing first (${((stack.synthMs ?? 0) / 1000).toFixed(1)} s of it)`}.`,
    '',
    `- **Ready**: ${(readyMs / 1000).toFixed(1)} s from the call to \`startLocalStack\` until the gateway listens (DynamoDB Local's JVM start included).`,
    '',
    '| function | import (ms) | first request (ms) | cold start (ms) | status of that request |',
    '|---|---:|---:|---:|---:|',
    ...rows,
    `<!-- assembly:end -->`,
  ].join('\n');
  const previous = readFileSync(resultsFile, 'utf8');
  writeFileSync(resultsFile, previous.replace(/<!-- assembly:start -->[\s\S]*<!-- assembly:end -->/, section));
  console.log(section);
} finally {
  await stack.stop();
}
