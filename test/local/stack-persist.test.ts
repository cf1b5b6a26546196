import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// `npm start -- --persist`, as a developer runs it: started, used, stopped with Ctrl-C, started again.

const repo = fileURLToPath(new URL('../../', import.meta.url));
const running: ChildProcess[] = [];
let dataDirectory: string | undefined;

afterAll(async () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  if (dataDirectory) await rm(dataDirectory, { recursive: true, force: true });
});

/** Runs `npm start -- --persist` with its data in `directory`; resolves with its URL once it listens. */
async function startPersisting(directory: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts', '--persist'], {
    cwd: repo,
    env: { ...process.env, DATA_DIR: directory, PORT: '0', IOT_HTTP_PORT: '0', MQTT_PORT: '0', SNS_PORT: '0', SES_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not listen within 90 s:\n${output}`)), 90_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (listening) {
        clearTimeout(timer);
        resolve(listening);
      }
    });
    child.once('exit', () => reject(new Error(`npm start exited:\n${output}`)));
  });
  return {
    url,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      await exited;
    },
  };
}

async function call(url: string, method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, description: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`Not reached: ${description}; last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('npm start -- --persist', () => {
  it('keeps the data, the pickup codes, the tokens and the door shadows across a restart, its secrets readable by their owner only', async () => {
    // Prepare: a parcel stored through its door, its code read by its recipient.
    dataDirectory = await mkdtemp(join(tmpdir(), 'persist-'));
    const first = await startPersisting(dataDirectory);
    const token = async (sub: string, role: string) =>
      ((await call(first.url, 'POST', '/_local/token', undefined, { sub, role })).body as { token: string }).token;
    const [admin, carrier, customer] = [await token('admin-1', 'admin'), await token('carrier-1', 'carrier'), await token('customer-1', 'customer')];
    await call(first.url, 'POST', '/locations', admin, { locationId: 'kept', name: 'Kept', address: '1 Kept St' });
    await call(first.url, 'POST', '/locations/kept/lockers', admin, { lockerId: 'A', slots: { S: 1 } });
    const stored = await eventually(
      () => call(first.url, 'POST', '/parcels', carrier, { locationId: 'kept', recipientId: 'customer-1', size: 'S' }),
      (reply) => reply.status === 201,
      'a parcel stored once the simulated locker is online',
    );
    const parcelId = String(stored.body.parcelId);
    const before = await eventually(
      () => call(first.url, 'GET', `/parcels/${parcelId}`, customer),
      (reply) => reply.body.status === 'STORED' && typeof reply.body.pickupCode === 'string',
      'the parcel STORED with its code',
    );
    await first.stop();

    // Act
    const second = await startPersisting(dataDirectory);
    const after = await call(second.url, 'GET', `/parcels/${parcelId}`, customer);
    // The door's shadow versions go on from where they were, so the locker's reports still count.
    const pickup = await call(second.url, 'POST', `/parcels/${parcelId}/retrieve`, customer, { pickupCode: before.body.pickupCode });
    const collected = await eventually(
      () => call(second.url, 'GET', `/parcels/${parcelId}`, customer),
      (reply) => reply.body.status === 'RETRIEVED',
      'the parcel RETRIEVED through its door',
    ).catch((error: Error) => ({ status: 0, body: { status: error.message } }));
    await second.stop();

    // Assess
    expect({ status: after.status, parcelStatus: after.body.status, pickupCode: after.body.pickupCode }).toEqual({
      status: 200,
      parcelStatus: 'STORED',
      pickupCode: before.body.pickupCode,
    });
    expect({ pickup: pickup.status, finally: collected.body.status }).toEqual({ pickup: 202, finally: 'RETRIEVED' });
    expect((await stat(join(dataDirectory, 'secrets.json'))).mode & 0o777).toBe(0o600);
  }, 240_000);
});
