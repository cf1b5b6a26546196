import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { allocationStrategies, type AllocationStrategyName } from '#shared/domain/allocation';
import { systemClock } from '#shared/adapters/clock';
import { createDocumentClient } from '#shared/adapters/dynamodb/client';
import { DynamoKioskGuard } from '#shared/adapters/dynamodb/kiosk-guard';
import { DynamoLocationRepository } from '#shared/adapters/dynamodb/location-repository';
import { DynamoParcelRepository } from '#shared/adapters/dynamodb/parcel-repository';
import { ulidIds } from '#shared/adapters/ids';
import { CryptoPickupCodeVault, randomPickupCodes } from '#shared/adapters/pickup-code-vault';
import { loadConfig, type Config } from '#shared/config';
import type { Deps } from '#shared/use-cases/deps';

/**
 * The composition root: real adapters wired to the use cases' ports, built once per process
 * (per Lambda container) on the first invocation and reused after. Config errors surface there,
 * with the variable's name.
 */
let deps: Promise<Deps> | undefined;

export function getDeps(): Promise<Deps> {
  deps ??= buildDeps(loadConfig()).catch((error: unknown) => {
    deps = undefined;
    throw error;
  });
  return deps;
}

async function buildDeps(config: Config): Promise<Deps> {
  const secret = config.PICKUP_CODE_SECRET ?? (await readSecret(config.PICKUP_CODE_SECRET_ARN!));
  return wireDeps({
    documentClient: createDocumentClient(),
    tableName: config.TABLE_NAME,
    secret,
    allocation: config.ALLOCATION_STRATEGY,
    defaultPickupWindowHours: config.DEFAULT_PICKUP_WINDOW_HOURS,
  });
}

export interface Wiring {
  readonly documentClient: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly secret: string;
  readonly allocation: AllocationStrategyName;
  readonly defaultPickupWindowHours: number;
}

/** The real adapters behind every port; tests wire the same ones against their own table. */
export function wireDeps({ documentClient, tableName, secret, allocation, defaultPickupWindowHours }: Wiring): Deps {
  return {
    clock: systemClock,
    ids: ulidIds,
    codes: randomPickupCodes,
    vault: new CryptoPickupCodeVault(secret),
    locations: new DynamoLocationRepository(documentClient, tableName),
    parcels: new DynamoParcelRepository(documentClient, tableName),
    kioskGuard: new DynamoKioskGuard(documentClient, tableName, ulidIds),
    allocation: allocationStrategies[allocation],
    defaultPickupWindowHours,
  };
}

async function readSecret(secretId: string): Promise<string> {
  const { SecretString } = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!SecretString || SecretString.length < 32) throw new Error('PICKUP_CODE_SECRET_ARN: the secret must be a string of 32+ characters');
  return SecretString;
}
