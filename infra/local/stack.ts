import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { httpSettings, observabilitySettings, pickupCodeSecretConfig, sdkSettings, serviceSettings } from '#shared/config';
import { iotFunctions, ruleSql, scheduledFunctions, streamFunctions } from '#shared/manifest';
import { exportSigningKeys, issueToken, useSigningKeys } from './auth.ts';
import type { TokenRequest } from './auth.ts';
import { apiFromManifest, startGateway, type ApiDefinition } from './api-gateway.ts';
import { ensureAssembly } from './assembly-synth.ts';
import { readAssembly } from './cloud-assembly/read.ts';
import { createTable, createTableFrom, localCredentials, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts';
import { startDynamoDbStreams, triggersFromManifest, type DeadLetter, type StreamTrigger } from './lambda-event-source-mapping/mapping.ts';
import { startSchedules, type ScheduleRule } from './eventbridge-schedules.ts';
import { startIotRules, type TopicRule } from './iot/rules.ts';
import { startLockerFleet, type LockerFleet, type LockerFleetOptions } from './iot/locker-fleet.ts';
import { startIotLocal, type IotLocal } from './iot/start.ts';
import { loadFromSource, localAccountId, localRegion, sourceRuntime, type LambdaRuntime } from './lambda/runtime.ts';
import { workerRuntime, type ColdStart } from './lambda/workers.ts';
import { randomSecret, readLocalSecrets, readShadows, shadowKeeper, writeLocalSecrets, type LocalSecrets } from './local-data.ts';
import { localRoutes } from './local-routes.ts';
import { createMessageLog, type MessageLog } from './notify/messages.ts';
import { startSes } from './notify/ses.ts';
import { startSns, type LocalSns } from './notify/sns.ts';
import { secretName, startSecretsManager, type LocalSecretsManager } from './secrets-manager.ts';

export interface LocalStackOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /**
   * `source` (`npm start`): every function from its TypeScript source, in this process.
   * `assembly` (`npm run start:assembly`): every function from its bundle in the synthesized cloud
   * assembly, in isolated workers with exactly its CloudFormation environment.
   */
  readonly mode?: 'source' | 'assembly';
  /** Where the assembly is synthesized (or reused when current); defaults to `cdk.out`. */
  readonly assemblyDirectory?: string;
  /** An already running DynamoDB Local (tests share one); omitted, the stack starts its own. */
  readonly dynamoEndpoint?: string;
  /** The longest a schedule waits between runs locally. */
  readonly scheduleIntervalMs?: number;
  /** Where the functions' log lines go, in either mode; defaults to stdout, each line prefixed with its function. */
  readonly functionLog?: (functionName: string, line: string) => void;
  /** The IoT Data Plane endpoint's port; 0 (the default) picks a free one. */
  readonly iotHttpPort?: number;
  /** The MQTT broker's port; 0 (the default) picks a free one. */
  readonly mqttPort?: number;
  /** The local SNS and SES v2 endpoints' ports; 0 (the default) picks a free one. */
  readonly snsPort?: number;
  readonly sesPort?: number;
  /**
   * How long a locker may take to open a door, and how long a door may stand open, for every
   * function (`DOOR_COMMAND_TIMEOUT_SECONDS`, `DOOR_LEFT_OPEN_SECONDS`). Omitted: in source mode
   * what the environment of `npm start` says, else the service's defaults; in assembly mode what
   * the templates say.
   */
  readonly doorCommandTimeoutSeconds?: number;
  readonly doorLeftOpenSeconds?: number;
  /**
   * A location's kiosk attempts per window (`KIOSK_ATTEMPTS_PER_WINDOW`), lower than the production
   * figure so a test can spend a window in a few requests. Omitted: as for the door timings.
   */
  readonly kioskAttemptsPerWindow?: number;
  /** Messages one phone or email address may receive an hour (`MESSAGES_PER_DESTINATION_HOUR`). Omitted: as for the door timings. */
  readonly messagesPerDestinationHour?: number;
  /** How often the stream trigger polls an idle table stream; defaults to Lambda's 250 ms. */
  readonly streamPollIntervalMs?: number;
  /**
   * How the simulated lockers move (by default: the fleet reads the table every 500 ms, a door opens
   * 200 ms after its command and closes 1 s later, as a person takes that long); tests go faster.
   */
  readonly simulatedLockers?: Pick<LockerFleetOptions, 'pollIntervalMs' | 'openAfterMs' | 'closeAfterMs'>;
  /**
   * Keep the data here across restarts (`npm start -- --persist`): DynamoDB Local's files, and
   * every secret the stack would otherwise generate (the pickup-code secret, the token issuer's
   * keys, the local Secrets Manager's values), so codes and tokens issued before a restart stay
   * valid. Omitted: everything lives in memory and ends with the stack.
   */
  readonly dataDirectory?: string;
  /** Where the stack's own notices go (DynamoDB Local died, came back); defaults to stdout. */
  readonly log?: (line: string) => void;
}

export interface LocalStack {
  readonly url: string;
  readonly mode: 'source' | 'assembly';
  readonly tableName: string;
  readonly dynamoEndpoint: string;
  /** The DynamoDB Local the stack started and keeps alive (absent when given an endpoint). */
  readonly dynamoDb?: Pick<DynamoDbLocal, 'pid' | 'running'>;
  /** In assembly mode: the local Secrets Manager endpoint and the cold starts measured so far. */
  readonly secretsEndpoint?: string;
  readonly coldStarts?: readonly ColdStart[];
  /** How long the assembly took to synthesize (0 when reused). */
  readonly synthMs?: number;
  /** The local AWS IoT stand-in: the IoT Data Plane endpoint the functions use, and its MQTT broker. */
  readonly iotDataEndpoint: string;
  readonly mqttUrl: string;
  /** One simulated locker per locker in the table (started within 2 s of its creation). */
  readonly lockers: Pick<LockerFleet, 'get' | 'sync'>;
  /** The local SNS (SMS to phones, the topics) and SES v2 (emails) the functions reach through `AWS_ENDPOINT_URL_SNS` and `AWS_ENDPOINT_URL_SESV2`. */
  readonly snsEndpoint: string;
  readonly sesEndpoint: string;
  /** The topics the stack creates at start, by their ARNs on the local SNS. */
  readonly topics: Readonly<Record<keyof typeof localTopics, string>>;
  /** The SMS and emails delivered so far, as `GET /_local/messages?to=` lists them. */
  readonly messages: Pick<MessageLog, 'to'>;
  /** The table stream's trigger: how often it polls, and the batches it gave up on (`GET /_local/dead-letters`). */
  readonly streams: { readonly pollIntervalMs: number; deadLetters(): readonly DeadLetter[] };
  issueToken(request: TokenRequest): Promise<string>;
  /** Moves the service's clock forward and returns the new time. */
  advanceClock(hours: number): Date;
  /** Runs every scheduled function now and returns what they returned, merged. */
  sweep(): Promise<unknown>;
  stop(): Promise<void>;
}

/** The SNS topics of issue 9: every parcel event for integrators, and door faults for operators. */
const localTopics = { parcelEvents: 'parcel-events', operatorAlerts: 'operator-alerts' } as const;

/**
 * The whole service on one machine: DynamoDB Local and the table, a local Lambda runtime, the API
 * Gateway emulation, the schedules, the IoT stand-in with its rules and one simulated locker per
 * locker in the table, and the `/_local` routes. In source mode the functions share
 * this process and its environment, so run one source stack per process (vitest gives every test
 * file its own); assembly stacks keep each function's environment in its own workers.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const mode = options.mode ?? 'source';
  refuseInvalidSettings(options, mode);
  const cleanup: (() => Promise<unknown>)[] = [];
  const log = options.log ?? ((line: string) => console.log(`[local-stack] ${line}`));
  const secrets = options.dataDirectory === undefined ? undefined : await keptSecrets(options.dataDirectory);
  // Whatever the mode, the table is created only when missing: after a restart in memory it is.
  let ensureTable: (endpoint: string) => Promise<void> = async () => undefined;
  const ownDynamoDb =
    options.dynamoEndpoint === undefined
      ? await startDynamoDbLocal({
          ...(options.dataDirectory === undefined ? {} : { dataDirectory: join(options.dataDirectory, 'dynamodb') }),
          keepAlive: { log, restarted: (endpoint) => ensureTable(endpoint) },
        })
      : undefined;
  if (ownDynamoDb !== undefined) cleanup.push(() => ownDynamoDb.stop());
  const dynamoEndpoint = options.dynamoEndpoint ?? (ownDynamoDb?.endpoint as string);
  try {
    // A shared DynamoDB Local may serve several stacks at once: each gets its own table.
    const tableName = ownDynamoDb === undefined ? `locker-service-${ulid().toLowerCase()}` : 'locker-service';
    // The lockers live in the service's time: the clock exists once the runtime does, the endpoint is needed before.
    let clock: () => Date = () => new Date();
    const dataDirectory = options.dataDirectory;
    let keeper: ReturnType<typeof shadowKeeper> | undefined;
    const keptShadows = dataDirectory === undefined ? undefined : { initial: (await readShadows(dataDirectory)) ?? [], changed: () => keeper?.changed() };
    const iot = await startIotLocal({
      httpPort: options.iotHttpPort ?? 0,
      mqttPort: options.mqttPort ?? 0,
      clock: () => clock(),
      ...(keptShadows === undefined ? {} : { shadows: keptShadows }),
    });
    if (dataDirectory !== undefined) keeper = shadowKeeper(dataDirectory, () => iot.shadows.snapshot());
    cleanup.push(async () => {
      await iot.stop();
      await keeper?.flush();
    });
    // Like the lockers, the phone and the inbox receive in the service's time.
    const messages = createMessageLog();
    const sns = await startSns({ messages, port: options.snsPort ?? 0, region: localRegion, now: () => clock(), topics: Object.values(localTopics) });
    cleanup.push(() => sns.stop());
    const ses = await startSes({ messages, port: options.sesPort ?? 0, now: () => clock() });
    cleanup.push(() => ses.stop());
    const notify: NotifyEndpoints = { sns, ses: ses.url };
    const wiring =
      mode === 'source'
        ? await sourceWiring(options, dynamoEndpoint, tableName, iot, notify, secrets)
        : await assemblyWiring(options, dynamoEndpoint, tableName, iot, notify, secrets);
    ensureTable = wiring.ensureTable;
    cleanup.push(...wiring.cleanup);
    const { lambda } = wiring;
    clock = () => lambda.now();

    // Before anything can write: at LATEST, a record written before the trigger holds its iterators would be missed.
    const streams = await startDynamoDbStreams({
      endpoint: dynamoEndpoint,
      tableName,
      region: localRegion,
      accountId: localAccountId,
      triggers: wiring.streamTriggers,
      lambda,
      ...(options.streamPollIntervalMs === undefined ? {} : { pollIntervalMs: options.streamPollIntervalMs }),
      ...(dataDirectory === undefined ? {} : { dataDirectory }),
      now: () => lambda.now(),
      log,
    });
    cleanup.push(() => streams.stop());

    const schedules = startSchedules(lambda, wiring.schedules, options.scheduleIntervalMs === undefined ? {} : { maxIntervalMs: options.scheduleIntervalMs });
    cleanup.push(async () => schedules.stop());
    // The rules listen before any locker connects, and stop before the lockers do: a stopping stack reconciles nothing.
    const rules = await startIotRules({ rules: wiring.iotRules, broker: iot, lambda });
    const lockers = await startLockerFleet({ ...options.simulatedLockers, table: { endpoint: dynamoEndpoint, tableName }, mqttUrl: iot.mqttUrl, now: () => lambda.now() }).catch(
      async (error: unknown) => {
        await rules.stop();
        throw error;
      },
    );
    cleanup.push(
      () => lockers.stop(),
      () => rules.stop(),
    );
    const advanceClock = (milliseconds: number) => {
      lambda.advanceClock(milliseconds);
      return lambda.now();
    };
    const gateway = await startGateway({
      port: options.port,
      api: wiring.api,
      lambda,
      localRoutes: localRoutes({ advanceClock, runSchedules: () => schedules.runAll(), lockers, messages, deadLetters: () => streams.deadLetters() }),
    });
    cleanup.push(() => gateway.close());

    return {
      url: gateway.url,
      mode,
      tableName,
      dynamoEndpoint,
      ...(ownDynamoDb === undefined ? {} : { dynamoDb: ownDynamoDb }),
      ...(wiring.secrets === undefined ? {} : { secretsEndpoint: wiring.secrets.endpoint }),
      ...(wiring.coldStarts === undefined ? {} : { coldStarts: wiring.coldStarts }),
      ...(wiring.synthMs === undefined ? {} : { synthMs: wiring.synthMs }),
      iotDataEndpoint: iot.dataPlaneEndpoint,
      mqttUrl: iot.mqttUrl,
      lockers,
      snsEndpoint: sns.url,
      sesEndpoint: ses.url,
      topics: wiring.topics ?? { parcelEvents: sns.topicArn(localTopics.parcelEvents), operatorAlerts: sns.topicArn(localTopics.operatorAlerts) },
      messages,
      streams: { pollIntervalMs: streams.pollIntervalMs, deadLetters: () => streams.deadLetters() },
      issueToken: (request) => issueToken(request),
      advanceClock: (hours) => advanceClock(hours * 3_600_000),
      sweep: () => schedules.runAll(),
      stop: () => runAll(cleanup.reverse()),
    };
  } catch (error) {
    await runAll(cleanup.reverse());
    throw error;
  }
}

async function runAll(steps: readonly (() => Promise<unknown>)[]): Promise<void> {
  for (const step of steps) await step();
}

/** The secrets kept in the data directory, created on first use; the token issuer signs with the kept keys. */
interface KeptSecrets {
  readonly pickupCodeSecret: string;
  /** The kept value of a Secrets Manager secret, created (and kept) when new. */
  secretValue(name: string): Promise<string>;
}

async function keptSecrets(directory: string): Promise<KeptSecrets> {
  let kept: LocalSecrets | undefined = await readLocalSecrets(directory);
  if (kept === undefined) {
    kept = { pickupCodeSecret: randomBytes(32).toString('base64url'), signingKeys: await exportSigningKeys(), secretsManager: {} };
    await writeLocalSecrets(directory, kept);
  } else {
    await useSigningKeys(kept.signingKeys);
  }
  let current = kept;
  return {
    pickupCodeSecret: kept.pickupCodeSecret,
    async secretValue(name) {
      const value = current.secretsManager[name];
      if (value !== undefined) return value;
      const created = randomSecret();
      current = { ...current, secretsManager: { ...current.secretsManager, [name]: created } };
      await writeLocalSecrets(directory, current);
      return created;
    },
  };
}

interface Wiring {
  readonly lambda: LambdaRuntime;
  /** Creates the table when it is missing (at start, and after DynamoDB Local restarted in memory). */
  readonly ensureTable: (endpoint: string) => Promise<void>;
  readonly api: ApiDefinition;
  readonly schedules: readonly ScheduleRule[];
  readonly iotRules: readonly TopicRule[];
  readonly streamTriggers: readonly StreamTrigger[];
  readonly cleanup: readonly (() => Promise<unknown>)[];
  readonly secrets?: LocalSecretsManager;
  readonly coldStarts?: readonly ColdStart[];
  readonly synthMs?: number;
  /** The topics the functions publish to, when not the stack's own (assembly mode: the templates' names). */
  readonly topics?: Readonly<Record<keyof typeof localTopics, string>>;
}

/** The local SNS (its endpoint, handed to the functions as the SDK's per-service endpoint variable, and its topics) and SES v2 endpoint. */
interface NotifyEndpoints {
  readonly sns: Pick<LocalSns, 'url' | 'topicArn' | 'createTopic'>;
  readonly ses: string;
}

function notifyEnvironment(notify: NotifyEndpoints): Record<string, string> {
  return { AWS_ENDPOINT_URL_SNS: notify.sns.url, AWS_ENDPOINT_URL_SESV2: notify.ses };
}

/** The sender of `npm start`'s emails; `.localhost` is reserved, so no real domain is ever named. */
export const localEmailSender = 'Parcel lockers <no-reply@lockers.localhost>';

/** `npm start`: the table from the shared definition, every function from source in this process. */
async function sourceWiring(
  options: LocalStackOptions,
  dynamoEndpoint: string,
  tableName: string,
  iot: IotLocal,
  notify: NotifyEndpoints,
  secrets?: KeptSecrets,
): Promise<Wiring> {
  const ensureTable = (endpoint: string) => createTable(endpoint, tableName);
  await ensureTable(dynamoEndpoint);
  configureProcessEnvironment(options, dynamoEndpoint, tableName, iot, notify, secrets);
  const lambda = sourceRuntime(loadFromSource, options.functionLog);
  return {
    lambda,
    ensureTable,
    api: apiFromManifest(),
    schedules: scheduledFunctions.map((fn) => ({ functionName: fn.name, rateMs: fn.everyMinutes * 60_000 })),
    iotRules: iotFunctions.map((fn) => ({ functionName: fn.name, sql: ruleSql(fn.rule) })),
    streamTriggers: triggersFromManifest(streamFunctions),
    cleanup: [() => lambda.close()],
  };
}

/** The variables the functions and the SDK read in source mode: only endpoints differ from AWS. */
function configureProcessEnvironment(
  options: LocalStackOptions,
  dynamoEndpoint: string,
  tableName: string,
  iot: IotLocal,
  notify: NotifyEndpoints,
  secrets?: KeptSecrets,
): void {
  // Whatever credentials the shell holds, the local stack must never reach a real account.
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    AWS_REGION: localRegion,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    // In memory, a secret that lives as long as the process loses nothing; kept data keeps its secret.
    PICKUP_CODE_SECRET: secrets?.pickupCodeSecret ?? process.env.PICKUP_CODE_SECRET ?? randomBytes(32).toString('base64url'),
    IOT_DATA_ENDPOINT: iot.dataPlaneEndpoint,
    ...notifyEnvironment(notify),
    // The topics the stack created on the local SNS, and a sender the local SES accepts.
    PARCEL_EVENTS_TOPIC_ARN: notify.sns.topicArn(localTopics.parcelEvents),
    OPERATOR_ALERTS_TOPIC_ARN: notify.sns.topicArn(localTopics.operatorAlerts),
    EMAIL_SENDER: process.env.EMAIL_SENDER ?? localEmailSender,
    ...settingsEnvironment(options),
  });
}

/**
 * Settings the functions would refuse stop the stack before anything starts: otherwise it serves,
 * and every request answers 500. Read with the functions' own readers, so the ranges cannot drift.
 * In assembly mode the shell reaches the functions only through the options.
 */
function refuseInvalidSettings(options: LocalStackOptions, mode: 'source' | 'assembly'): void {
  const env = { ...(mode === 'source' ? process.env : {}), ...settingsEnvironment(options) };
  try {
    serviceSettings(env);
    sdkSettings(env);
    httpSettings(env);
    observabilitySettings(env);
    if (env.PICKUP_CODE_SECRET !== undefined) pickupCodeSecretConfig(env);
  } catch (error) {
    throw new Error(`Not starting: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The door timings, kiosk budget and message limit given to the stack, as the functions' variables; nothing when none was given. */
function settingsEnvironment(options: LocalStackOptions): Record<string, string> {
  return {
    ...(options.doorCommandTimeoutSeconds === undefined ? {} : { DOOR_COMMAND_TIMEOUT_SECONDS: String(options.doorCommandTimeoutSeconds) }),
    ...(options.doorLeftOpenSeconds === undefined ? {} : { DOOR_LEFT_OPEN_SECONDS: String(options.doorLeftOpenSeconds) }),
    ...(options.kioskAttemptsPerWindow === undefined ? {} : { KIOSK_ATTEMPTS_PER_WINDOW: String(options.kioskAttemptsPerWindow) }),
    ...(options.messagesPerDestinationHour === undefined ? {} : { MESSAGES_PER_DESTINATION_HOUR: String(options.messagesPerDestinationHour) }),
  };
}

/**
 * `npm run start:assembly`: the table, routes, gateway responses and schedules as the synthesized
 * templates declare them, every function from its bundle with its own environment, and the secrets
 * behind a local Secrets Manager.
 */
async function assemblyWiring(
  options: LocalStackOptions,
  dynamoEndpoint: string,
  tableName: string,
  iot: IotLocal,
  notify: NotifyEndpoints,
  kept?: KeptSecrets,
): Promise<Wiring> {
  const source = await ensureAssembly(options.assemblyDirectory);
  const local = { region: localRegion, accountId: localAccountId, tableName, iotDataEndpoint: iot.dataPlaneEndpoint, topicArn: (name: string) => notify.sns.topicArn(name) };
  const assembly = readAssembly(source.directory, local);
  // The templates' topics exist locally as in the account: a function's topic ARN names one of them.
  for (const name of assembly.topicNames) notify.sns.createTopic(name);
  // Timings and the kiosk budget given to the stack replace the templates' values, for the functions that declare them.
  const timings = settingsEnvironment(options);
  const functions = assembly.functions.map((fn) => ({
    ...fn,
    environment: { ...fn.environment, ...Object.fromEntries(Object.entries(timings).filter(([name]) => Object.hasOwn(fn.environment, name))) },
  }));

  const { ttlAttribute, ...table } = assembly.table;
  const ensureTable = (endpoint: string) => createTableFrom(endpoint, table, ttlAttribute);
  await ensureTable(dynamoEndpoint);
  // One at a time: each new value rewrites the kept file.
  const values: { arn: string; value?: string }[] = [];
  for (const arn of assembly.secretArns) values.push({ arn, ...(kept === undefined ? {} : { value: await kept.secretValue(secretName(arn)) }) });
  const secrets = await startSecretsManager(values);
  const lambda = workerRuntime({
    functions,
    platformEnvironment: {
      // What a Lambda execution role's credentials would be; the local stand-ins accept any.
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      AWS_SESSION_TOKEN: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      ...notifyEnvironment(notify),
      // Lambda runs Node.js 22; this machine may run 20, where the SDK would warn in every function's log.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    ...(options.functionLog === undefined ? {} : { log: options.functionLog }),
  });
  return {
    lambda,
    ensureTable,
    api: assembly.api,
    schedules: assembly.schedules,
    iotRules: assembly.iotRules,
    streamTriggers: assembly.streamTriggers,
    cleanup: [() => lambda.close(), () => secrets.close()],
    secrets,
    coldStarts: lambda.coldStarts,
    synthMs: source.synthMs,
    topics: templateTopics(assembly.topicNames, notify),
  };
}

/** The templates' topics (CDK names them `<stack>-parcel-events`, …) by the role the stack reports them under. */
function templateTopics(names: readonly string[], notify: NotifyEndpoints): Record<keyof typeof localTopics, string> {
  const named = (suffix: string) => {
    const name = names.find((candidate) => candidate === suffix || candidate.endsWith(`-${suffix}`));
    if (name === undefined) throw new Error(`The assembly has no ${suffix} topic (topics: ${names.join(', ') || 'none'})`);
    return notify.sns.topicArn(name);
  };
  return { parcelEvents: named(localTopics.parcelEvents), operatorAlerts: named(localTopics.operatorAlerts) };
}
