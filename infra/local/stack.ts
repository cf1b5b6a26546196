import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import { systemClock } from '#shared/adapters/clock';
import { issueToken } from './auth.ts';
import type { TokenRequest } from './auth.ts';
import { createTable, localCredentials, localRegion, startDynamoDbLocal } from './dynamodb-local.ts';
import { runExpirySweep, startGateway } from './gateway.ts';

export interface LocalStackOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** An already running DynamoDB Local (tests share one); omitted, the stack starts its own. */
  readonly dynamoEndpoint?: string;
  /** How often the expiry sweep runs, standing in for the EventBridge schedule. */
  readonly sweepIntervalMs?: number;
}

export interface LocalStack {
  readonly url: string;
  readonly tableName: string;
  readonly dynamoEndpoint: string;
  issueToken(request: TokenRequest): Promise<string>;
  /** Moves the service's clock forward and returns the new time. */
  advanceClock(hours: number): Date;
  /** Runs the expiry sweep now and returns what the scheduled function returned. */
  sweep(): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * The whole service on one machine: DynamoDB Local, the table, the environment the handlers read
 * at cold start, the HTTP gateway and the sweep timer.
 * Handlers read their configuration once per process, so run one stack per process (vitest gives
 * every test file its own).
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const ownDynamoDb = options.dynamoEndpoint === undefined ? await startDynamoDbLocal() : undefined;
  const dynamoEndpoint = options.dynamoEndpoint ?? (ownDynamoDb?.endpoint as string);
  try {
    // A shared DynamoDB Local may serve several stacks at once: each gets its own table.
    const tableName = ownDynamoDb === undefined ? `locker-service-${ulid().toLowerCase()}` : 'locker-service';
    await createTable(dynamoEndpoint, tableName);
    configureEnvironment(dynamoEndpoint, tableName);

    const gateway = await startGateway({ port: options.port });
    let sweeping = false;
    const sweepTimer = setInterval(() => {
      if (sweeping) return;
      sweeping = true;
      runExpirySweep()
        .catch((error: unknown) => console.error('[stack] scheduled expiry sweep failed', error))
        .finally(() => {
          sweeping = false;
        });
    }, options.sweepIntervalMs ?? 60_000);
    sweepTimer.unref();

    return {
      url: gateway.url,
      tableName,
      dynamoEndpoint,
      issueToken: (request) => issueToken(request),
      advanceClock: (hours) => {
        systemClock.advance(hours * 60 * 60 * 1000);
        return systemClock.now();
      },
      sweep: () => runExpirySweep(),
      stop: async () => {
        clearInterval(sweepTimer);
        await gateway.close();
        await ownDynamoDb?.stop();
      },
    };
  } catch (error) {
    await ownDynamoDb?.stop();
    throw error;
  }
}

/** The variables `shared/config.ts` and the SDK read: only endpoints differ from AWS. */
function configureEnvironment(dynamoEndpoint: string, tableName: string): void {
  // Whatever credentials the shell holds, the local stack must never reach a real account.
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    AWS_REGION: localRegion,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    // The table is in memory, so a secret that lives as long as the process loses nothing.
    PICKUP_CODE_SECRET: process.env.PICKUP_CODE_SECRET ?? randomBytes(32).toString('base64url'),
  });
}
