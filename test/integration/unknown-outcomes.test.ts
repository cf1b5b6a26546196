import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { handler as StoreHandler } from '#functions/http/store-parcel';
import { retrieveParcel } from '#shared/use-cases/retrieve-parcel';
import { storeParcel } from '#shared/use-cases/store-parcel';
import { UnavailableError } from '#shared/domain/errors';
import { createLocalDynamoDbClient } from '#infra/local/dynamodb-local';
import { createTestTable, type TestTable } from '#test/helpers/dynamodb';
import { actors, buildDeps, ScriptedCodes, testSecret, type TestDeps } from '#test/helpers/deps';
import { depositThroughDoor, openDoorForPickup, slotAt, storeThroughDoor } from '#test/helpers/doors';
import { apiGatewayEvent, claimsOf, jsonBody, lambdaContext } from '#test/helpers/events';
import { awsError, failCalls } from '#test/helpers/faults';
import { givenLocation } from '#test/helpers/fixtures';
import { stallingProxy, type StallingProxy } from '#test/helpers/stall';

let table: TestTable;
let dynamoDb: StallingProxy;
let storeHandler: typeof StoreHandler;

beforeAll(async () => {
  table = await createTestTable();
  dynamoDb = await stallingProxy(table.endpoint);
  // The handler's ports are built from the environment on its first invocation, as at a cold
  // start: the table behind the stalling proxy, SDK timeouts short enough to run in a second, and
  // a locker endpoint nobody listens on (a deposit's door command failing is logged, not answered).
  Object.assign(process.env, {
    TABLE_NAME: table.tableName,
    PICKUP_CODE_SECRET: testSecret,
    IOT_DATA_ENDPOINT: 'http://127.0.0.1:9',
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    SDK_CONNECTION_TIMEOUT_MS: '200',
    SDK_REQUEST_TIMEOUT_MS: '400',
    SDK_MAX_ATTEMPTS: '2',
  });
  storeHandler = (await import('#functions/http/store-parcel')).handler;
});

afterAll(async () => {
  await dynamoDb.close();
});

/** A context whose invocation ends `ms` after it is made, as Lambda's does. */
function contextEndingIn(ms: number) {
  const end = performance.now() + ms;
  return { ...lambdaContext('store-parcel'), getRemainingTimeInMillis: () => Math.max(0, Math.round(end - performance.now())) };
}

const storeEvent = (locationId: string, key: string) =>
  apiGatewayEvent({
    method: 'POST',
    resource: '/parcels',
    path: '/parcels',
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
    claims: claimsOf.carrier,
    body: jsonBody({ locationId, recipientId: 'customer-1', size: 'S' }),
  });

async function timed<T>(work: () => Promise<T>) {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

const parcelsIn = async (deps: TestDeps, locationId: string) =>
  (await deps.locations.layout(locationId)).lockers.flatMap((locker) => locker.slots).flatMap((slot) => (slot.parcelId ? [slot.parcelId] : []));

describe('a store while DynamoDB stalls', () => {
  it.each([
    ['the SDK request timeouts give up first', 10_000],
    ['the invocation deadline comes first', 1_300],
  ])('answers 503 TRY_AGAIN with Retry-After in time when %s, and its repeat with the same Idempotency-Key yields one parcel', async (_case, invocationMs) => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 2 });
    const key = `stalled-${locationId}`;
    dynamoDb.stall('TransactWriteItems');

    // Act
    const stalled = await timed(() => storeHandler(storeEvent(locationId, key), contextEndingIn(invocationMs)));
    const sentMeanwhile = dynamoDb.held();
    await dynamoDb.release();
    const repeated = await storeHandler(storeEvent(locationId, key), contextEndingIn(10_000));

    // Assess
    expect({
      statusCode: stalled.result.statusCode,
      retryAfter: stalled.result.headers?.['Retry-After'],
      code: (JSON.parse(stalled.result.body) as { error: { code: string } }).error.code,
      answeredInTime: stalled.ms < Math.min(invocationMs - 500, 2_000),
      reachedDynamoDb: sentMeanwhile > 0,
    }).toEqual({ statusCode: 503, retryAfter: '2', code: 'TRY_AGAIN', answeredInTime: true, reachedDynamoDb: true });
    expect(repeated.statusCode).toBe(201);
    const { parcelId } = JSON.parse(repeated.body) as { parcelId: string };
    expect(await parcelsIn(deps, locationId)).toEqual([parcelId]);
  });
});

describe('a pickup whose commit outcome is lost', () => {
  it('answers TRY_AGAIN, leaves the parcel and its slot agreeing on the command, and answers the repeat with that command, written to the door, which then opens', async () => {
    // Prepare: every attempt of the pickup's transaction reaches DynamoDB, and every answer is lost.
    const client = createLocalDynamoDbClient(table.endpoint, { maxAttempts: 3 });
    const setup = buildDeps(table, { codes: new ScriptedCodes(['6152430000']) });
    const { locationId } = await givenLocation(setup, { S: 1 });
    const parcel = await storeThroughDoor(setup, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
    const deps = buildDeps(table, { client, clock: setup.clock, doors: setup.doors });
    const faults = failCalls(client, { command: 'TransactWriteItemsCommand', times: 3, afterSending: true, error: () => awsError('TimeoutError') });

    // Act
    const lost = await retrieveParcel(deps, actors.customer, parcel.parcelId, '6152430000').catch((error: unknown) => error);
    const afterLoss = { parcel: await deps.parcels.get(parcel.parcelId), slot: await slotAt(deps, parcel) };
    const repeated = await retrieveParcel(deps, actors.customer, parcel.parcelId, '6152430000');
    await openDoorForPickup(deps, parcel, repeated);

    // Assess
    expect(faults.injected()).toBe(3);
    expect(lost).toBeInstanceOf(UnavailableError);
    expect({ status: afterLoss.parcel?.status, slotCommand: afterLoss.slot.command?.commandId, slotParcel: afterLoss.slot.parcelId }).toEqual({
      status: 'COLLECTING',
      slotCommand: afterLoss.parcel?.commandId,
      slotParcel: parcel.parcelId,
    });
    expect(repeated).toMatchObject({ status: 'COLLECTING', commandId: afterLoss.parcel?.commandId });
    expect(deps.doors.commands.filter(({ command }) => command.reason === 'PICKUP').map(({ command }) => command.commandId)).toEqual([afterLoss.parcel?.commandId]);
    expect((await deps.parcels.get(parcel.parcelId))?.status).toBe('RETRIEVED');
  });
});

describe('a store whose commit outcome is lost', () => {
  it('answers TRY_AGAIN, and the repeat with the same Idempotency-Key answers the parcel and writes its deposit command to the door, which then takes the parcel', async () => {
    // Prepare: every attempt of the claim's transaction reaches DynamoDB, and every answer is lost.
    const client = createLocalDynamoDbClient(table.endpoint, { maxAttempts: 3 });
    const setup = buildDeps(table);
    const { locationId } = await givenLocation(setup, { S: 1 });
    const deps = buildDeps(table, { client, clock: setup.clock, doors: setup.doors });
    const faults = failCalls(client, { command: 'TransactWriteItemsCommand', times: 3, afterSending: true, error: () => awsError('TimeoutError') });
    const input = { locationId, recipientId: actors.customer.sub, size: 'S' as const, idempotencyKey: `lost-claim-${locationId}` };

    // Act
    const lost = await storeParcel(deps, actors.carrier, input).catch((error: unknown) => error);
    const commandedBeforeRepeat = deps.doors.commands.length;
    const repeated = await storeParcel(deps, actors.carrier, input);
    await depositThroughDoor(deps, repeated);

    // Assess
    expect(faults.injected()).toBe(3);
    expect(lost).toBeInstanceOf(UnavailableError);
    expect(commandedBeforeRepeat).toBe(0);
    expect(repeated).toMatchObject({ status: 'DEPOSITING', commandId: expect.any(String) });
    expect(deps.doors.commands.map(({ command }) => ({ reason: command.reason, commandId: command.commandId }))).toEqual([
      { reason: 'DEPOSIT', commandId: repeated.commandId },
    ]);
    expect((await deps.parcels.get(repeated.parcelId))?.status).toBe('STORED');
  });
});

describe('a request while DynamoDB is unreachable', () => {
  it('answers 503 TRY_AGAIN with Retry-After, naming no internals', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    await dynamoDb.close();

    // Act
    const response = await storeHandler(storeEvent(locationId, `refused-${locationId}`), contextEndingIn(10_000));

    // Assess
    expect({ statusCode: response.statusCode, retryAfter: response.headers?.['Retry-After'], body: JSON.parse(response.body) as unknown }).toEqual({
      statusCode: 503,
      retryAfter: '2',
      body: { error: { code: 'TRY_AGAIN', message: 'The table did not answer; try again' } },
    });
  });
});
