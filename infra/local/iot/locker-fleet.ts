import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, queryAll } from '#shared/adapters/dynamodb/client';
import { lockerEntity, toLocker } from '#shared/adapters/dynamodb/entities/locker';
import { indexes } from '#shared/adapters/dynamodb/table';
import type { Locker } from '#shared/domain/location';
import { createLocalDynamoDbClient } from '../dynamodb-local.ts';
import { SimulatedLocker } from './simulated-locker.ts';

export interface LockerFleetOptions {
  /** Where the service keeps its lockers: DynamoDB Local and the table. */
  readonly table: { readonly endpoint: string; readonly tableName: string };
  readonly mqttUrl: string;
  /** How often the table is read. Default 500 ms, so a new locker is up well within 2 s. */
  readonly pollIntervalMs?: number;
  /** The lockers' clock (command deadlines); the local stack passes its movable one. */
  readonly now?: () => Date;
  readonly openAfterMs?: number;
  readonly closeAfterMs?: number;
  /** Where problems are told; defaults to stderr. */
  readonly log?: (line: string) => void;
}

export interface LockerFleet {
  /** The simulated locker of a locker in the table, once it runs. */
  get(locationId: string, lockerId: string): SimulatedLocker | undefined;
  /** Reads the table now and brings the simulators in line (what every poll does). */
  sync(): Promise<void>;
  stop(): Promise<void>;
}

interface Running {
  /** Thing and doors: a locker removed and added again with other doors gets a new simulator. */
  readonly signature: string;
  readonly locker: SimulatedLocker;
}

/**
 * One simulated locker per locker in the table, as if each locker the service knows had been
 * installed and switched on: lockers added through the API start within a poll (and a connect),
 * removed ones disconnect. Only the local stack has this; in AWS the lockers are real.
 */
export async function startLockerFleet(options: LockerFleetOptions): Promise<LockerFleet> {
  const { table, mqttUrl, pollIntervalMs = 500, log = (line: string) => console.error(line) } = options;
  // One attempt per poll: the next poll is the retry.
  const dynamoDb = createLocalDynamoDbClient(table.endpoint, { maxAttempts: 1 });
  const documentClient = createDocumentClient(dynamoDb);
  const running = new Map<string, Running>();
  let failing = false;
  let stopped = false;
  let syncing: Promise<void> = Promise.resolve();

  const key = (locationId: string, lockerId: string) => `${locationId}/${lockerId}`;

  const reconcile = async () => {
    let lockers;
    try {
      lockers = await listLockers(documentClient, table.tableName);
    } catch (error) {
      // The table can be briefly away (DynamoDB Local starting or stopping): say so once per streak.
      if (!failing) log(`[locker-fleet] cannot list the lockers in ${table.tableName}: ${error instanceof Error ? error.message : String(error)}`);
      failing = true;
      return;
    }
    if (failing) log(`[locker-fleet] listing the lockers in ${table.tableName} works again`);
    failing = false;

    const wanted = new Map(lockers.map((locker) => [key(locker.locationId, locker.lockerId), locker]));
    const steps: Promise<void>[] = [];
    for (const [id, current] of running) {
      const locker = wanted.get(id);
      if (locker === undefined || signatureOf(locker) !== current.signature) {
        running.delete(id);
        steps.push(current.locker.stop());
      }
    }
    for (const [id, locker] of wanted) {
      if (running.has(id) || stopped) continue;
      steps.push(
        SimulatedLocker.start({
          mqttUrl,
          thingName: locker.thingName,
          slotIds: locker.slotIds,
          ...(options.now === undefined ? {} : { now: options.now }),
          ...(options.openAfterMs === undefined ? {} : { openAfterMs: options.openAfterMs }),
          ...(options.closeAfterMs === undefined ? {} : { closeAfterMs: options.closeAfterMs }),
        }).then(
          async (simulator) => {
            if (stopped) await simulator.stop();
            else running.set(id, { signature: signatureOf(locker), locker: simulator });
          },
          (error: unknown) => log(`[locker-fleet] simulated locker ${locker.thingName} did not connect: ${error instanceof Error ? error.message : String(error)}`),
        ),
      );
    }
    await Promise.all(steps);
  };

  // Polls never overlap: each waits for the one before.
  const sync = () => {
    syncing = syncing.then(reconcile).catch((error: unknown) => log(`[locker-fleet] ${error instanceof Error ? error.message : String(error)}`));
    return syncing;
  };

  await sync();
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(() => {
      void sync().then(() => {
        if (!stopped) schedule();
      });
    }, pollIntervalMs);
    timer.unref();
  };
  schedule();

  return {
    get: (locationId, lockerId) => running.get(key(locationId, lockerId))?.locker,
    sync: () => (stopped ? Promise.resolve() : sync()),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await syncing;
      const all = [...running.values()];
      running.clear();
      await Promise.all(all.map(({ locker }) => locker.stop()));
      dynamoDb.destroy();
    },
  };
}

function signatureOf(locker: { readonly thingName: string; readonly slotIds: readonly string[] }): string {
  return JSON.stringify([locker.thingName, locker.slotIds]);
}

/**
 * Every locker in the table with its doors, through the index that lists items by type. Only the
 * fleet needs this: the service itself never lists all lockers.
 */
export async function listLockers(client: DynamoDBDocumentClient, tableName: string): Promise<Locker[]> {
  const items = await queryAll(client, tableName, {
    IndexName: indexes.entitiesByType.indexName,
    KeyConditionExpression: `${indexes.entitiesByType.partitionKey} = :type`,
    ExpressionAttributeValues: { ':type': lockerEntity },
  });
  return items.map(toLocker);
}
