import { ConditionalCheckFailedException, DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client';
import { SealedCursors } from '#shared/adapters/dynamodb/cursor';
import { DynamoParcelRepository } from '#shared/adapters/dynamodb/parcel-repository';
import { ValidationError } from '#shared/domain/errors';
import type { AuditEvent } from '#shared/domain/events';
import type { StoredParcel } from '#shared/ports';

const table = 'locker-table';
const mock = mockClient(DynamoDBDocumentClient);
const cursors = new SealedCursors('unit-test-secret-0123456789abcdef0123');
const repository = new DynamoParcelRepository(createDocumentClient(new DynamoDBClient({ region: 'eu-west-1' })), table, cursors);

const storedParcel: StoredParcel = {
  parcelId: 'p-1',
  locationId: 'loc-1',
  lockerId: 'A',
  slotId: '02',
  slotSize: 'M',
  size: 'S',
  recipientId: 'cust-1',
  carrierId: 'carrier-1',
  status: 'STORED',
  createdAt: '2026-11-22T10:00:00.000Z',
  updatedAt: '2026-11-22T10:01:00.000Z',
  pickupWindowHours: 72,
  expiresAt: '2026-11-25T10:00:00.000Z',
  failedAttempts: 0,
  version: 1,
  pickupCodeHash: 'hash-1',
  sealedPickupCode: 'sealed-1',
};

const laterEvent = (type: AuditEvent['type'], from: string, to: string): AuditEvent => ({
  eventId: 'evt-2',
  type,
  at: '2026-11-23T08:00:00.000Z',
  actor: { sub: 'cust-1', role: 'customer' },
  locationId: 'loc-1',
  lockerId: 'A',
  slotId: '02',
  parcelId: 'p-1',
  from,
  to,
});

const transactInput = (call = 0) => mock.commandCalls(TransactWriteCommand)[call]?.args[0].input;

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

/** The parcel item as the table holds it, with every index key it carries while STORED. */
const parcelItem = {
  PK: 'PARCEL#p-1',
  SK: 'META',
  entity: 'PARCEL',
  ...storedParcel,
  recipientPk: 'USER#cust-1',
  recipientSk: '2026-11-22T10:00:00.000Z#p-1',
  locationPk: 'LOC#loc-1',
  locationSk: '2026-11-22T10:00:00.000Z#p-1',
  entityTypePk: 'PARCEL',
  entityTypeSk: '2026-11-22T10:00:00.000Z#p-1',
  expiryPk: 'EXPIRY#5',
  expirySk: '2026-11-25T10:00:00.000Z#p-1',
};

beforeEach(() => {
  mock.reset();
  // transact backs off randomly between conflict retries: no waiting in unit tests.
  vi.spyOn(Math, 'random').mockReturnValue(0);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('DynamoParcelRepository.recordWrongCode', () => {
  const rejected = laterEvent('PICKUP_CODE_REJECTED', 'STORED', 'STORED');

  it('counts a wrong code on the version and the count it read, and clears an old lock', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});
    const parcel = { ...storedParcel, failedAttempts: 2, version: 4 };

    // Act
    await repository.recordWrongCode(parcel, { failedAttempts: 2 }, { failedAttempts: 3 }, rejected);

    // Assess
    expect(transactInput()).toEqual({
      TransactItems: [
        {
          Update: {
            TableName: table,
            Key: { PK: 'PARCEL#p-1', SK: 'META' },
            ConditionExpression: 'version = :version AND failedAttempts = :previous',
            UpdateExpression: 'SET failedAttempts = :attempts, version = :next REMOVE lockedUntil',
            ExpressionAttributeValues: { ':version': 4, ':next': 5, ':previous': 2, ':attempts': 3 },
          },
        },
        { Put: { TableName: table, Item: { PK: 'PARCEL#p-1', SK: 'EVT#2026-11-23T08:00:00.000Z#evt-2', entity: 'EVENT', ...rejected } } },
      ],
    });
  });

  it('sets the lock when the wrong code is the one that locks the parcel', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});
    const parcel = { ...storedParcel, failedAttempts: 4, version: 6 };

    // Act
    await repository.recordWrongCode(parcel, { failedAttempts: 4 }, { failedAttempts: 0, lockedUntil: '2026-11-23T08:15:00.000Z' }, rejected);

    // Assess
    expect(transactInput()?.TransactItems?.[0]).toEqual({
      Update: {
        TableName: table,
        Key: { PK: 'PARCEL#p-1', SK: 'META' },
        ConditionExpression: 'version = :version AND failedAttempts = :previous',
        UpdateExpression: 'SET failedAttempts = :attempts, lockedUntil = :lockedUntil, version = :next',
        ExpressionAttributeValues: { ':version': 6, ':next': 7, ':previous': 4, ':attempts': 0, ':lockedUntil': '2026-11-23T08:15:00.000Z' },
      },
    });
  });

  it.each([
    { why: 'a concurrent write kept conflicting', reasons: ['TransactionConflict', 'None'] },
    { why: 'the parcel changed since it was read', reasons: ['ConditionalCheckFailed', 'None'] },
  ])('answers false when $why', async ({ reasons }) => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled(...reasons));

    // Act
    const recorded = await repository.recordWrongCode(storedParcel, { failedAttempts: 0 }, { failedAttempts: 1 }, rejected);

    // Assess
    expect(recorded).toBe(false);
  });

  it('answers true when the count is recorded', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    const recorded = await repository.recordWrongCode(storedParcel, { failedAttempts: 0 }, { failedAttempts: 1 }, rejected);

    // Assess
    expect(recorded).toBe(true);
  });

  it('throws, naming the reasons, when the write fails for another reason', async () => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled('None', 'ValidationError'));

    // Act
    const recording = repository.recordWrongCode(storedParcel, { failedAttempts: 0 }, { failedAttempts: 1 }, rejected);

    // Assess
    await expect(recording).rejects.toThrow('Recording a wrong code failed: None,ValidationError');
  });
});

describe('DynamoParcelRepository.dueForExpiry', () => {
  it('queries every expiry shard for keys up to now', async () => {
    // Prepare
    mock.on(QueryCommand).resolves({ Items: [] });

    // Act
    await repository.dueForExpiry(new Date('2026-11-25T10:05:00.000Z'), 100);

    // Assess
    expect(mock.commandCalls(QueryCommand).map((call) => call.args[0].input)).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((shard) => ({
        TableName: table,
        IndexName: 'parcels-by-expiry',
        KeyConditionExpression: 'expiryPk = :pk AND expirySk <= :upTo',
        ExpressionAttributeValues: { ':pk': `EXPIRY#${shard}`, ':upTo': '2026-11-25T10:05:00.000Z\uffff' },
        Limit: 100,
      })),
    );
  });

  it('merges the shards oldest first and keeps at most the limit', async () => {
    // Prepare
    const due = (parcelId: string, expiresAt: string) => ({ ...parcelItem, parcelId, expiresAt });
    mock
      .on(QueryCommand)
      .resolves({ Items: [] })
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'EXPIRY#1' } }, false)
      .resolves({ Items: [due('p-late', '2026-11-25T09:00:00.000Z')] })
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'EXPIRY#6' } }, false)
      .resolves({ Items: [due('p-early', '2026-11-24T09:00:00.000Z'), due('p-middle', '2026-11-24T12:00:00.000Z')] });

    // Act
    const parcels = await repository.dueForExpiry(new Date('2026-11-25T10:05:00.000Z'), 2);

    // Assess
    expect(parcels.map((parcel) => parcel.parcelId)).toEqual(['p-early', 'p-middle']);
  });

  it('returns the parcel fields without the index keys', async () => {
    // Prepare
    mock.on(QueryCommand).resolves({ Items: [] }).on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'EXPIRY#5' } }, false).resolves({ Items: [parcelItem] });

    // Act
    const parcels = await repository.dueForExpiry(new Date('2026-11-25T10:05:00.000Z'), 100);

    // Assess
    expect(parcels).toEqual([storedParcel]);
  });
});

describe('DynamoParcelRepository.dueForReminder', () => {
  const now = new Date('2026-11-24T10:00:00.000Z');
  const due = (parcelId: string, expiresAt: string) => ({ ...parcelItem, parcelId, expiresAt });

  it('queries every expiry shard for parcels not yet reminded whose window ends within the horizon', async () => {
    // Prepare
    mock.on(QueryCommand).resolves({ Items: [] });

    // Act
    await repository.dueForReminder(now, 24, 10);

    // Assess
    expect(mock.commandCalls(QueryCommand).map((call) => call.args[0].input)).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((shard) => ({
        TableName: table,
        IndexName: 'parcels-by-expiry',
        KeyConditionExpression: 'expiryPk = :pk AND expirySk BETWEEN :after AND :upTo',
        FilterExpression: 'attribute_not_exists(remindedAt)',
        ExpressionAttributeValues: { ':pk': `EXPIRY#${shard}`, ':after': '2026-11-24T10:00:00.000Z\uffff', ':upTo': '2026-11-25T10:00:00.000Z\uffff' },
        Limit: 10,
      })),
    );
  });

  it('reads on past a page the filter left short, and stops once a shard has given the limit', async () => {
    // Prepare
    const lastKey = { PK: 'PARCEL#p-a', SK: 'META', expiryPk: 'EXPIRY#2', expirySk: '2026-11-24T11:00:00.000Z#p-a' };
    const secondKey = { ...lastKey, expirySk: '2026-11-24T13:00:00.000Z#p-c' };
    mock
      .on(QueryCommand)
      .resolves({ Items: [] })
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'EXPIRY#2' } }, false)
      .resolvesOnce({ Items: [due('p-a', '2026-11-24T11:00:00.000Z')], LastEvaluatedKey: lastKey })
      .resolvesOnce({ Items: [due('p-b', '2026-11-24T12:00:00.000Z'), due('p-c', '2026-11-24T13:00:00.000Z')], LastEvaluatedKey: secondKey })
      .resolves({ Items: [due('p-d', '2026-11-24T14:00:00.000Z')] });

    // Act
    const parcels = await repository.dueForReminder(now, 24, 2);

    // Assess
    const starts = mock
      .commandCalls(QueryCommand)
      .map((call) => call.args[0].input)
      .filter((input) => input.ExpressionAttributeValues?.[':pk'] === 'EXPIRY#2')
      .map((input) => input.ExclusiveStartKey);
    expect({ parcels: parcels.map((parcel) => parcel.parcelId), starts }).toEqual({ parcels: ['p-a', 'p-b'], starts: [undefined, lastKey] });
  });
});

describe('DynamoParcelRepository listings and cursors', () => {
  it('lists a recipient\'s parcels newest first from the recipient index', async () => {
    // Prepare
    mock.on(QueryCommand).resolves({ Items: [] });

    // Act
    await repository.listByRecipient('cust-1', { limit: 10 });

    // Assess
    expect(mock.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: table,
      IndexName: 'parcels-by-recipient',
      KeyConditionExpression: 'recipientPk = :pk',
      ExpressionAttributeValues: { ':pk': 'USER#cust-1' },
      Limit: 10,
      ScanIndexForward: false,
      ExclusiveStartKey: undefined,
    });
  });

  it('returns a cursor that continues the listing where the last page stopped', async () => {
    // Prepare
    const lastKey = { PK: 'PARCEL#p-1', SK: 'META', recipientPk: 'USER#cust-1', recipientSk: '2026-11-22T10:00:00.000Z#p-1' };
    mock.on(QueryCommand).resolvesOnce({ Items: [parcelItem], LastEvaluatedKey: lastKey }).resolves({ Items: [] });
    const first = await repository.listByRecipient('cust-1', { limit: 1 });

    // Act
    await repository.listByRecipient('cust-1', { limit: 1, ...(first.cursor ? { cursor: first.cursor } : {}) });

    // Assess
    expect({ items: first.items, start: mock.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey }).toEqual({
      items: [storedParcel],
      start: lastKey,
    });
  });

  it('gives no cursor on the last page', async () => {
    // Prepare
    mock.on(QueryCommand).resolves({ Items: [parcelItem] });

    // Act
    const page = await repository.listByRecipient('cust-1', { limit: 10 });

    // Assess
    expect(page).toEqual({ items: [storedParcel] });
  });

  it('refuses a cursor from another recipient\'s partition with a ValidationError and sends no query', async () => {
    // Prepare
    const foreign = cursors.encode(
      { PK: 'PARCEL#p-9', SK: 'META', recipientPk: 'USER#cust-2', recipientSk: '2026-11-22T10:00:00.000Z#p-9' },
      'parcels-by-recipient\nUSER#cust-2',
    )!;

    // Act
    const listing = repository.listByRecipient('cust-1', { limit: 10, cursor: foreign });

    // Assess
    await expect(listing).rejects.toThrow(ValidationError);
    expect(mock.commandCalls(QueryCommand)).toEqual([]);
  });

  it('refuses a cursor from another location\'s listing and sends no query', async () => {
    // Prepare
    const foreign = cursors.encode({ PK: 'PARCEL#p-9', SK: 'META', locationPk: 'LOC#loc-2', locationSk: 'x' }, 'parcels-by-location\nLOC#loc-2')!;

    // Act
    const listing = repository.listByLocation('loc-1', { limit: 10, cursor: foreign });

    // Assess
    await expect(listing).rejects.toThrow(ValidationError);
    expect(mock.commandCalls(QueryCommand)).toEqual([]);
  });

  it('refuses a cursor that is not base64url JSON and sends no query', async () => {
    // Act
    const listing = repository.listAll({ limit: 10, cursor: 'not-a-cursor' });

    // Assess
    await expect(listing).rejects.toThrow(ValidationError);
    expect(mock.commandCalls(QueryCommand)).toEqual([]);
  });

  it('lists a location\'s parcels newest first from the location index', async () => {
    // Prepare
    mock.on(QueryCommand).resolves({ Items: [] });

    // Act
    await repository.listByLocation('loc-1', { limit: 10 });

    // Assess
    expect(mock.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: table,
      IndexName: 'parcels-by-location',
      KeyConditionExpression: 'locationPk = :pk',
      ExpressionAttributeValues: { ':pk': 'LOC#loc-1' },
      Limit: 10,
      ScanIndexForward: false,
      ExclusiveStartKey: undefined,
    });
  });

  it('lists every parcel newest first from the by-type index', async () => {
    // Prepare
    mock.on(QueryCommand).resolves({ Items: [] });

    // Act
    await repository.listAll({ limit: 10 });

    // Assess
    expect(mock.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: table,
      IndexName: 'entities-by-type',
      KeyConditionExpression: 'entityTypePk = :type',
      ExpressionAttributeValues: { ':type': 'PARCEL' },
      Limit: 10,
      ScanIndexForward: false,
      ExclusiveStartKey: undefined,
    });
  });

  it('filters a recipient\'s listing by location when asked', async () => {
    // Prepare
    mock.on(QueryCommand).resolves({ Items: [] });

    // Act
    await repository.listByRecipient('cust-1', { limit: 10 }, { locationId: 'loc-1' });

    // Assess
    expect(mock.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: table,
      IndexName: 'parcels-by-recipient',
      KeyConditionExpression: 'recipientPk = :pk',
      FilterExpression: 'locationId = :loc',
      ExpressionAttributeValues: { ':pk': 'USER#cust-1', ':loc': 'loc-1' },
      Limit: 10,
      ScanIndexForward: false,
      ExclusiveStartKey: undefined,
    });
  });
});

describe('DynamoParcelRepository reads', () => {
  it('reads a parcel with a consistent read and returns it without index keys', async () => {
    // Prepare
    mock.on(GetCommand).resolves({ Item: parcelItem });

    // Act
    const parcel = await repository.get('p-1');

    // Assess
    expect({ parcel, input: mock.commandCalls(GetCommand)[0]?.args[0].input }).toEqual({
      parcel: storedParcel,
      input: { TableName: table, Key: { PK: 'PARCEL#p-1', SK: 'META' }, ConsistentRead: true },
    });
  });

  it('finds a parcel from its code index entry', async () => {
    // Prepare
    mock.on(GetCommand, { Key: { PK: 'LOC#loc-1#CODE#hash-1', SK: 'CODE' } }).resolves({ Item: { PK: 'LOC#loc-1#CODE#hash-1', SK: 'CODE', parcelId: 'p-1' } });

    // Act
    const parcelId = await repository.findByPickupCode('loc-1', 'hash-1');

    // Assess
    expect(parcelId).toBe('p-1');
  });

  it('answers undefined for an unknown parcel', async () => {
    // Prepare
    mock.on(GetCommand).resolves({});

    // Act
    const parcel = await repository.get('p-9');

    // Assess
    expect(parcel).toBeUndefined();
  });

  it('looks a code up consistently, so a code just issued is found at once', async () => {
    // Prepare
    mock.on(GetCommand).resolves({});

    // Act
    const parcelId = await repository.findByPickupCode('loc-1', 'hash-9');

    // Assess
    expect({ parcelId, input: mock.commandCalls(GetCommand)[0]?.args[0].input }).toEqual({
      parcelId: undefined,
      input: { TableName: table, Key: { PK: 'LOC#loc-1#CODE#hash-9', SK: 'CODE' }, ConsistentRead: true },
    });
  });

  it('finds a carrier\'s idempotency record consistently, with the parcel and the request it answered', async () => {
    // Prepare
    mock.on(GetCommand).resolves({
      Item: { PK: 'IDEMPOTENCY#carrier-1#key-1', SK: 'IDEMPOTENCY', entity: 'IDEMPOTENCY', parcelId: 'p-1', requestHash: 'request-hash', ttl: 1_795_428_000 },
    });

    // Act
    const record = await repository.findIdempotencyRecord('carrier-1', 'key-1');

    // Assess
    expect({ record, input: mock.commandCalls(GetCommand)[0]?.args[0].input }).toEqual({
      record: { requestHash: 'request-hash', parcelId: 'p-1' },
      input: { TableName: table, Key: { PK: 'IDEMPOTENCY#carrier-1#key-1', SK: 'IDEMPOTENCY' }, ConsistentRead: true },
    });
  });

  it('reads a refusal recorded under a key with the time it stands until', async () => {
    // Prepare
    mock.on(GetCommand).resolves({
      Item: {
        PK: 'IDEMPOTENCY#carrier-1#key-2', SK: 'IDEMPOTENCY', entity: 'IDEMPOTENCY', requestHash: 'request-hash',
        refusalCode: 'NO_SLOT_AVAILABLE', refusalMessage: 'No free slot', refusedUntil: '2026-11-22T10:01:00.000Z', ttl: 1_795_341_720,
      },
    });

    // Act
    const record = await repository.findIdempotencyRecord('carrier-1', 'key-2');

    // Assess
    expect(record).toEqual({
      requestHash: 'request-hash',
      refusal: { code: 'NO_SLOT_AVAILABLE', message: 'No free slot', until: new Date('2026-11-22T10:01:00.000Z') },
    });
  });

  it('records a refusal only under a key with no answer standing, and says when the key had one', async () => {
    // Prepare
    const at = new Date('2026-11-22T10:00:00.000Z');
    const refusal = { code: 'NO_SLOT_AVAILABLE', message: 'No free slot', until: new Date('2026-11-22T10:01:00.000Z') };
    mock.on(PutCommand).resolvesOnce({}).rejectsOnce(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    // Act
    const first = await repository.recordRefusal('carrier-1', 'key-2', 'request-hash', refusal, at);
    const second = await repository.recordRefusal('carrier-1', 'key-2', 'request-hash', refusal, at);

    // Assess
    expect({ first, second, input: mock.commandCalls(PutCommand)[0]?.args[0].input }).toEqual({
      first: true,
      second: false,
      input: {
        TableName: table,
        Item: {
          PK: 'IDEMPOTENCY#carrier-1#key-2', SK: 'IDEMPOTENCY', entity: 'IDEMPOTENCY', requestHash: 'request-hash',
          refusalCode: 'NO_SLOT_AVAILABLE', refusalMessage: 'No free slot', refusedUntil: '2026-11-22T10:01:00.000Z', ttl: 1_795_341_720,
        },
        ConditionExpression: 'attribute_not_exists(PK) OR refusedUntil < :at',
        ExpressionAttributeValues: { ':at': '2026-11-22T10:00:00.000Z' },
      },
    });
  });

  it('answers undefined for an idempotency key never used', async () => {
    // Prepare
    mock.on(GetCommand).resolves({});

    // Act
    const record = await repository.findIdempotencyRecord('carrier-1', 'key-9');

    // Assess
    expect(record).toBeUndefined();
  });
});
