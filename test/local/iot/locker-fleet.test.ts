import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client';
import { lockerItem, lockerKey } from '#shared/adapters/dynamodb/entities/locker';
import { thingNameOf } from '#shared/domain/door';
import type { Locker } from '#shared/domain/location';
import { createLocalDynamoDbClient, createTable, startDynamoDbLocal, type DynamoDbLocal } from '#infra/local/dynamodb-local';
import { presenceTopicFilter, presenceTopic } from '#infra/local/iot/lifecycle-events';
import { startLockerFleet, type LockerFleet } from '#infra/local/iot/locker-fleet';
import { startIotLocal, type IotLocal } from '#infra/local/iot/start';
import { Inbox } from './support.ts';

// The local stack's lockers: one simulated locker per locker item in the table, as the service's
// locker entity writes it, kept in line by polling.

let dynamoDb: DynamoDbLocal;
let iot: IotLocal;
let documentClient: DynamoDBDocumentClient;
let tableName: string;
let tableCount = 0;
let fleet: LockerFleet | undefined;
let presence: Inbox;

beforeAll(async () => {
  dynamoDb = await startDynamoDbLocal();
  iot = await startIotLocal({ httpPort: 0, mqttPort: 0 });
  documentClient = createDocumentClient(createLocalDynamoDbClient(dynamoDb.endpoint));
}, 120_000);

afterAll(async () => {
  documentClient.destroy();
  await iot?.stop();
  await dynamoDb?.stop();
});

beforeEach(async () => {
  tableCount += 1;
  tableName = `fleet-${tableCount}`;
  await createTable(dynamoDb.endpoint, tableName);
  presence = await Inbox.open(iot.mqttUrl, [presenceTopicFilter]);
});

afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
  await presence.close();
});

function locker(lockerId: string, slotIds: string[]): Locker {
  return { locationId: 'central', lockerId, createdAt: new Date().toISOString(), thingName: thingNameOf('central', lockerId), slotIds, online: false };
}

async function addLocker(value: Locker): Promise<void> {
  await documentClient.send(new PutCommand({ TableName: tableName, Item: lockerItem(value) }));
}

async function removeLocker(value: Locker): Promise<void> {
  await documentClient.send(new DeleteCommand({ TableName: tableName, Key: lockerKey(value.locationId, value.lockerId) }));
}

/** The promise's outcome, or a failure once the time is up (the fleet's promise to `POST …/lockers`). */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function startFleet(log: (line: string) => void = () => {}): Promise<LockerFleet> {
  fleet = await startLockerFleet({ table: { endpoint: dynamoDb.endpoint, tableName }, mqttUrl: iot.mqttUrl, log });
  return fleet;
}

describe('the fleet of simulated lockers', () => {
  it('starts a simulated locker, connected as its thing, within 2 s of the locker appearing in the table', async () => {
    // Prepare
    const running = await startFleet();
    const added = locker('A', ['01', '02', '03']);

    // Act
    await addLocker(added);

    // Assess
    await within(2_000, presence.waitFor((message) => message.topic === presenceTopic('connected', added.thingName), 'the locker connecting'));
    await running.sync();
    expect(running.get('central', 'A')?.slotIds).toEqual(['01', '02', '03']);
  });

  it('starts the lockers already in the table before it returns', async () => {
    // Prepare
    await addLocker(locker('B', ['01']));

    // Act
    const running = await startFleet();

    // Assess
    expect({ thingName: running.get('central', 'B')?.thingName, online: running.get('central', 'B')?.online }).toEqual({ thingName: 'central:B', online: true });
  });

  it('stops the simulated locker of a locker removed from the table, disconnecting it cleanly', async () => {
    // Prepare
    const removed = locker('C', ['01']);
    await addLocker(removed);
    const running = await startFleet();

    // Act
    await removeLocker(removed);
    await running.sync();

    // Assess
    const gone = await presence.waitFor((message) => message.topic === presenceTopic('disconnected', removed.thingName), 'the locker disconnecting');
    expect({ reason: gone.payload.disconnectReason, simulator: running.get('central', 'C') }).toEqual({ reason: 'CLIENT_INITIATED_DISCONNECT', simulator: undefined });
  });

  it('replaces the simulated locker of a locker added again with other doors', async () => {
    // Prepare
    const running = await startFleet();
    await addLocker(locker('D', ['01']));
    await running.sync();

    // Act
    await addLocker(locker('D', ['01', '02']));
    await running.sync();

    // Assess
    expect(running.get('central', 'D')?.slotIds).toEqual(['01', '02']);
  });

  it('disconnects every simulated locker when it stops', async () => {
    // Prepare
    await addLocker(locker('E', ['01']));
    const running = await startFleet();
    const simulator = running.get('central', 'E');

    // Act
    await running.stop();

    // Assess
    expect(simulator?.online).toBe(false);
  });

  it('tells once that it cannot read the table, however many polls fail, and once that it can again', async () => {
    // Prepare: the fleet starts before its table exists, as when DynamoDB Local is still starting.
    const lines: string[] = [];
    tableName = `fleet-missing-${tableCount}`;
    const running = await startFleet((line) => lines.push(line));
    await running.sync();
    await running.sync();

    // Act
    await createTable(dynamoDb.endpoint, tableName);
    await running.sync();

    // Assess
    expect(lines).toEqual([expect.stringMatching(/^\[locker-fleet\] cannot list the lockers in fleet-missing-\d+: /), `[locker-fleet] listing the lockers in ${tableName} works again`]);
  });
});
