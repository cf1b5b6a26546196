import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { serviceSettings } from '#shared/config';
import type { DoorTimings } from '#shared/domain/door';

/** The service's name on every function (its description, POWERTOOLS_SERVICE_NAME) and so on its metrics' `service` dimension. */
export const serviceName = 'locker-service';

export const stageNames = ['dev', 'prod'] as const;
export type StageName = (typeof stageNames)[number];

/**
 * Everything that differs between a throwaway dev deployment and a production one, decided in one
 * place from the `stage` context flag (`cdk synth -c stage=prod`), so no construct guesses.
 */
export interface StageConfig {
  readonly name: StageName;
  /** dev tears down cleanly with `cdk destroy`; prod keeps data when the stack goes. */
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  readonly logRetention: RetentionDays;
  /**
   * USER_PASSWORD_AUTH lets a developer get a token with the AWS CLI; production clients use SRP
   * so the password never leaves the device.
   */
  readonly allowPasswordAuthFlow: boolean;
  /** Origins browsers may call the API from (CORS). */
  readonly allowOrigins: readonly string[];
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Optional service settings passed through to the functions when set (see shared/config.ts). */
  readonly allocationStrategy?: string;
  readonly defaultPickupWindowHours?: string;
  /**
   * How long a locker may take to act on a door command, and how long a door may stand open
   * before its slot goes out of service (context `doorCommandTimeoutSeconds`, `doorLeftOpenSeconds`).
   */
  readonly doorTimings: DoorTimings;
  /**
   * `From` of every email (context `emailSender`, `Name <user@domain>` or `user@domain`). The stack
   * creates the SES identity of its domain; its DKIM records must be published before SES sends.
   */
  readonly emailSender: string;
  /** Tests only: inline placeholder code instead of esbuild bundles (see LockerFunction). */
  readonly inlineCode: boolean;
  readonly httpTimeout: Duration;
}

function isStageName(value: unknown): value is StageName {
  return typeof value === 'string' && (stageNames as readonly string[]).includes(value);
}

function optionalString(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

export function readStageConfig(node: Node): StageConfig {
  const name: unknown = node.tryGetContext('stage') ?? 'dev';
  if (!isStageName(name)) {
    throw new Error(`Context "stage" must be one of ${stageNames.join(', ')}, got ${JSON.stringify(name)}`);
  }
  const prod = name === 'prod';
  const origins = optionalString(node, 'allowOrigins');
  const allocationStrategy = optionalString(node, 'allocationStrategy');
  const defaultPickupWindowHours = optionalString(node, 'defaultPickupWindowHours');
  return {
    name,
    removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    deletionProtection: prod,
    logRetention: prod ? RetentionDays.THREE_MONTHS : RetentionDays.TWO_WEEKS,
    allowPasswordAuthFlow: !prod,
    allowOrigins: origins === undefined ? ['*'] : origins.split(',').map((origin) => origin.trim()),
    logLevel: 'INFO',
    ...(allocationStrategy === undefined ? {} : { allocationStrategy }),
    ...(defaultPickupWindowHours === undefined ? {} : { defaultPickupWindowHours }),
    doorTimings: readDoorTimings(node),
    emailSender: optionalString(node, 'emailSender') ?? 'Parcel lockers <no-reply@lockers.example.com>',
    inlineCode: String(node.tryGetContext('locker:inlineCode')) === 'true',
    httpTimeout: Duration.seconds(10),
  };
}

/**
 * Read with the schema the functions apply at cold start (defaults included), so a timing they
 * would refuse fails the synth instead of every function's first invocation.
 */
function readDoorTimings(node: Node): DoorTimings {
  const commandTimeout = optionalString(node, 'doorCommandTimeoutSeconds');
  const leftOpen = optionalString(node, 'doorLeftOpenSeconds');
  const settings = serviceSettings({
    ...(commandTimeout === undefined ? {} : { DOOR_COMMAND_TIMEOUT_SECONDS: commandTimeout }),
    ...(leftOpen === undefined ? {} : { DOOR_LEFT_OPEN_SECONDS: leftOpen }),
  });
  return { commandTimeoutSeconds: settings.DOOR_COMMAND_TIMEOUT_SECONDS, leftOpenSeconds: settings.DOOR_LEFT_OPEN_SECONDS };
}
