import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SNSClient } from '@aws-sdk/client-sns';
import { allocationStrategies, type AllocationStrategyName } from '#shared/domain/allocation';
import { systemClock } from '#shared/adapters/clock';
import { createDocumentClient } from '#shared/adapters/dynamodb/client';
import { SealedCursors, unsealedCursors, type PageCursors } from '#shared/adapters/dynamodb/cursor';
import { DynamoKioskGuard } from '#shared/adapters/dynamodb/kiosk-guard';
import { DynamoLocationRepository } from '#shared/adapters/dynamodb/location-repository';
import { DynamoParcelRepository } from '#shared/adapters/dynamodb/parcel-repository';
import { DynamoChangeWriter } from '#shared/adapters/dynamodb/changes';
import { DynamoProfileRepository } from '#shared/adapters/dynamodb/profile-repository';
import { DynamoSentLog } from '#shared/adapters/dynamodb/sent-log';
import { DynamoDestinationQuota } from '#shared/adapters/dynamodb/destination-quota';
import { createIotDataClient, IotShadowDoors } from '#shared/adapters/iot-doors';
import { createSesClient, createSnsClient, SnsEventPublisher, SnsSesNotifier } from '#shared/adapters/notifier';
import { ulidIds } from '#shared/adapters/ids';
import { powertoolsLogger, powertoolsMetrics, tracer } from '#shared/adapters/observability';
import { CryptoPickupCodeVault, randomPickupCodes, randomVerificationCodes } from '#shared/adapters/pickup-code-vault';
import { readSecretString } from '#shared/adapters/secrets';
import { doorsConfig, notifierConfig, pickupCodeSecretConfig, serviceSettings, tableConfig } from '#shared/config';
import type { DoorTimings } from '#shared/domain/door';
import { kioskAttemptPolicy } from '#shared/domain/pickup-code';
import { defaultMessagesPerDestinationHour } from '#shared/domain/verification';
import type { Needs, TableAccess } from '#shared/manifest';
import type { DoorController, EventPublisher, Logger, Metrics, Notifier } from '#shared/ports';
import type { BasePorts, Deps, DoorPorts, NotifyPorts, TablePorts, VaultPorts } from '#shared/use-cases/deps';

/**
 * The composition root. A function gets the base ports plus exactly the ports its manifest entry
 * declares, built once per process (per Lambda execution environment) on its first invocation.
 * Each port reads and validates its own configuration as it is built, so a function that never
 * touches pickup codes neither needs nor reads the pickup-code secret, and a missing variable
 * fails with its name.
 */
export type PortsFor<N extends Needs> = BasePorts &
  (N extends { readonly table: TableAccess } ? TablePorts : unknown) &
  (N extends { readonly pickupCodeSecret: true } ? VaultPorts : unknown) &
  (N extends { readonly doors: true } ? DoorPorts : unknown) &
  (N extends { readonly notifier: true } ? NotifyPorts : unknown);

type Env = Readonly<Record<string, string | undefined>>;

/** Each port: how it reads its configuration, and how it is built from it. */
const portBuilders = {
  base: {
    configure: (env: Env) => serviceSettings(env),
    build: (settings: ReturnType<typeof serviceSettings>): BasePorts =>
      basePorts({
        allocation: settings.ALLOCATION_STRATEGY,
        defaultPickupWindowHours: settings.DEFAULT_PICKUP_WINDOW_HOURS,
        doorTimings: { commandTimeoutSeconds: settings.DOOR_COMMAND_TIMEOUT_SECONDS, leftOpenSeconds: settings.DOOR_LEFT_OPEN_SECONDS },
        kioskAttemptsPerWindow: settings.KIOSK_ATTEMPTS_PER_WINDOW,
        messagesPerDestinationHour: settings.MESSAGES_PER_DESTINATION_HOUR,
        metrics: powertoolsMetrics,
        logger: powertoolsLogger,
      }),
  },
  table: {
    configure: (env: Env) => tableConfig(env),
    build: ({ TABLE_NAME }: ReturnType<typeof tableConfig>, cursors: PageCursors): TablePorts => tablePorts(sharedDocumentClient(), TABLE_NAME, cursors),
  },
  /** The service secret: the pickup-code keys and the pagination-cursor key are all derived from it. */
  pickupCodeSecret: {
    configure: (env: Env) => pickupCodeSecretConfig(env),
    build: async (config: ReturnType<typeof pickupCodeSecretConfig>): Promise<string> => {
      const secret = config.PICKUP_CODE_SECRET ?? (await readSecretString(config.PICKUP_CODE_SECRET_ARN!));
      if (secret.length < 32) throw new Error('PICKUP_CODE_SECRET_ARN: the secret must be a string of 32+ characters');
      return secret;
    },
  },
  doors: {
    configure: (env: Env) => doorsConfig(env),
    build: (config: ReturnType<typeof doorsConfig>): DoorPorts => ({
      doors: new IotShadowDoors(tracer.captureAWSv3Client(createIotDataClient(config.IOT_DATA_ENDPOINT))),
    }),
  },
  /** SMS and topics through SNS, email through SES v2; the endpoints follow `AWS_ENDPOINT_URL_SNS` / `_SESV2` locally. */
  notifier: {
    configure: (env: Env) => notifierConfig(env),
    build: (config: ReturnType<typeof notifierConfig>): NotifyPorts => {
      const { sns, ses } = sharedNotifyClients();
      return {
        notifier: new SnsSesNotifier(sns, ses, config.EMAIL_SENDER),
        publisher: new SnsEventPublisher(sns, { parcelEvents: config.PARCEL_EVENTS_TOPIC_ARN, operatorAlerts: config.OPERATOR_ALERTS_TOPIC_ARN }),
      };
    },
  },
} as const;

/**
 * Checks that `env` configures every port `needs` declares, without building anything.
 * @throws Error naming each missing or malformed variable.
 */
export function checkConfiguration(needs: Needs, env: Env): void {
  portBuilders.base.configure(env);
  if (needs.table !== undefined) portBuilders.table.configure(env);
  if (needs.pickupCodeSecret === true) portBuilders.pickupCodeSecret.configure(env);
  if (needs.doors === true) portBuilders.doors.configure(env);
  if (needs.notifier === true) portBuilders.notifier.configure(env);
}

async function buildPorts(name: string, needs: Needs, env: Env): Promise<Partial<Deps>> {
  const ports: Partial<Deps> = portBuilders.base.build(portBuilders.base.configure(env));
  const secret = needs.pickupCodeSecret === true ? await portBuilders.pickupCodeSecret.build(portBuilders.pickupCodeSecret.configure(env)) : undefined;
  if (secret !== undefined) Object.assign(ports, { vault: new CryptoPickupCodeVault(secret) } satisfies VaultPorts);
  if (needs.table !== undefined) {
    const cursors = secret === undefined ? unsealedCursors(name) : new SealedCursors(secret);
    Object.assign(ports, portBuilders.table.build(portBuilders.table.configure(env), cursors));
  }
  if (needs.doors === true) Object.assign(ports, portBuilders.doors.build(portBuilders.doors.configure(env)));
  if (needs.notifier === true) Object.assign(ports, portBuilders.notifier.build(portBuilders.notifier.configure(env)));
  return ports;
}

const built = new Map<string, Promise<Partial<Deps>>>();

/** The ports of one function, built on first use and kept for the life of the process. */
export function portsFor<N extends Needs>(fn: { readonly name: string; readonly needs: N }): Promise<PortsFor<N>> {
  let ports = built.get(fn.name);
  if (ports === undefined) {
    ports = buildPorts(fn.name, fn.needs, process.env);
    built.set(fn.name, ports);
    // A failed cold start (say, the secret was briefly unreadable) is tried again on the next invocation.
    ports.catch(() => built.delete(fn.name));
  }
  return ports as Promise<PortsFor<N>>;
}

let documentClient: DynamoDBDocumentClient | undefined;

/** One DynamoDB client per process, shared by the ports that use the table. */
function sharedDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= createDocumentClient();
  return documentClient;
}

let notifyClients: { readonly sns: SNSClient; readonly ses: SESv2Client } | undefined;

/** One SNS and one SES client per process, shared by the functions that tell people (the notifier, the reminders). */
function sharedNotifyClients() {
  notifyClients ??= { sns: tracer.captureAWSv3Client(createSnsClient()), ses: tracer.captureAWSv3Client(createSesClient()) };
  return notifyClients;
}

export function basePorts(settings: {
  readonly allocation: AllocationStrategyName;
  readonly defaultPickupWindowHours: number;
  readonly doorTimings: DoorTimings;
  readonly kioskAttemptsPerWindow?: number;
  readonly messagesPerDestinationHour?: number;
  readonly metrics: Metrics;
  readonly logger: Logger;
}): BasePorts {
  return {
    clock: systemClock,
    ids: ulidIds,
    codes: randomPickupCodes,
    metrics: settings.metrics,
    logger: settings.logger,
    allocation: allocationStrategies[settings.allocation],
    defaultPickupWindowHours: settings.defaultPickupWindowHours,
    doorTimings: settings.doorTimings,
    kioskAttemptsPerWindow: settings.kioskAttemptsPerWindow ?? kioskAttemptPolicy.attemptsPerWindow,
    verificationCodes: randomVerificationCodes,
    messagesPerDestinationHour: settings.messagesPerDestinationHour ?? defaultMessagesPerDestinationHour,
  };
}

export function tablePorts(client: DynamoDBDocumentClient, tableName: string, cursors: PageCursors): TablePorts {
  return {
    locations: new DynamoLocationRepository(client, tableName, cursors),
    parcels: new DynamoParcelRepository(client, tableName, cursors),
    kioskGuard: new DynamoKioskGuard(client, tableName),
    changes: new DynamoChangeWriter(client, tableName),
    profiles: new DynamoProfileRepository(client, tableName),
    sent: new DynamoSentLog(client, tableName),
    quota: new DynamoDestinationQuota(client, tableName),
  };
}

export interface Wiring {
  readonly documentClient: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly secret: string;
  readonly allocation: AllocationStrategyName;
  readonly defaultPickupWindowHours: number;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly doors: DoorController;
  readonly doorTimings: DoorTimings;
  readonly notifier: Notifier;
  readonly publisher: EventPublisher;
  /** Omitted: the policy's figure, as deployed. */
  readonly kioskAttemptsPerWindow?: number;
  /** Omitted: the default, as deployed. */
  readonly messagesPerDestinationHour?: number;
}

/** Every real adapter at once, from explicit values: the tests and the benchmark floor use this. */
export function wireDeps({
  documentClient,
  tableName,
  secret,
  allocation,
  defaultPickupWindowHours,
  metrics,
  logger,
  doors,
  doorTimings,
  notifier,
  publisher,
  kioskAttemptsPerWindow,
  messagesPerDestinationHour,
}: Wiring): Deps {
  return {
    ...basePorts({
      allocation,
      defaultPickupWindowHours,
      metrics,
      logger,
      doorTimings,
      ...(kioskAttemptsPerWindow === undefined ? {} : { kioskAttemptsPerWindow }),
      ...(messagesPerDestinationHour === undefined ? {} : { messagesPerDestinationHour }),
    }),
    ...tablePorts(documentClient, tableName, new SealedCursors(secret)),
    vault: new CryptoPickupCodeVault(secret),
    doors,
    notifier,
    publisher,
  };
}
