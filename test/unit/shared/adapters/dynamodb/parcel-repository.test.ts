import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client';
import { DynamoParcelRepository } from '#shared/adapters/dynamodb/parcel-repository';
import { ValidationError } from '#shared/domain/errors';
import type { AuditEvent } from '#shared/domain/events';
import type { NewParcel, StoredParcel } from '#shared/ports';

const table = 'locker-table';
const mock = mockClient(DynamoDBDocumentClient);
const repository = new DynamoParcelRepository(createDocumentClient(new DynamoDBClient({ region: 'eu-west-1' })), table);

const storedParcel: NewParcel['parcel'] = {
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
  updatedAt: '2026-11-22T10:00:00.000Z',
  expiresAt: '2026-11-25T10:00:00.000Z',
  failedAttempts: 0,
  version: 1,
  pickupCodeHash: 'hash-1',
  sealedPickupCode: 'sealed-1',
};

const storedEvent: AuditEvent = {
  eventId: 'evt-1',
  type: 'PARCEL_STORED',
  at: '2026-11-22T10:00:00.000Z',
  actor: { sub: 'carrier-1', role: 'carrier' },
  locationId: 'loc-1',
  lockerId: 'A',
  slotId: '02',
  parcelId: 'p-1',
  to: 'STORED',
};

const laterEvent = (type: AuditEvent['type'], from: string, to: string): AuditEvent => ({
  ...storedEvent,
  eventId: 'evt-2',
  type,
  at: '2026-11-23T08:00:00.000Z',
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

const storedEventItem = { PK: 'PARCEL#p-1', SK: 'EVT#2026-11-22T10:00:00.000Z#evt-1', entity: 'EVENT', ...storedEvent };

beforeEach(() => {
  mock.reset();
});

describe('DynamoParcelRepository.store', () => {
  it('claims the slot, puts the parcel, its code index entry and its event in one transaction', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await repository.store({ parcel: storedParcel, event: storedEvent });

    // Assess
    expect(transactInput()).toEqual({
      TransactItems: [
        {
          Update: {
            TableName: table,
            Key: { PK: 'LOC#loc-1', SK: 'SLOT#A#02' },
            ConditionExpression: '#status = :free',
            UpdateExpression: 'SET #status = :occupied, parcelId = :parcelId REMOVE freeSlotPk, freeSlotSk',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':free': 'FREE', ':occupied': 'OCCUPIED', ':parcelId': 'p-1' },
          },
        },
        { Put: { TableName: table, Item: parcelItem, ConditionExpression: 'attribute_not_exists(PK)' } },
        {
          Put: {
            TableName: table,
            Item: { PK: 'LOC#loc-1#CODE#hash-1', SK: 'CODE', parcelId: 'p-1' },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        { Put: { TableName: table, Item: storedEventItem } },
      ],
      ClientRequestToken: 'bEmIb_0LvZVyYjxTVksdPHI_jDZEIwzO5O7A',
    });
  });

  it('adds the idempotency record, with its TTL in epoch seconds, as the fifth item', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await repository.store({
      parcel: { ...storedParcel, idempotencyKey: 'key-12345' },
      event: storedEvent,
      idempotency: { ownerSub: 'carrier-1', key: 'key-12345', requestHash: 'request-hash', expiresAt: new Date('2026-11-23T10:00:00.500Z') },
    });

    // Assess
    expect(transactInput()?.TransactItems?.[4]).toEqual({
      Put: {
        TableName: table,
        Item: { PK: 'IDEMPOTENCY#carrier-1#key-12345', SK: 'IDEMPOTENCY', parcelId: 'p-1', requestHash: 'request-hash', ttl: 1_795_428_000 },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    });
  });

  it('sends the same request token for the same claim, so an SDK retry of a committed claim is a no-op', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await repository.store({ parcel: storedParcel, event: storedEvent });
    await repository.store({ parcel: storedParcel, event: { ...storedEvent, eventId: 'evt-other' } });

    // Assess
    expect(transactInput(1)?.ClientRequestToken).toBe(transactInput(0)?.ClientRequestToken);
  });

  it('sends another request token when the same parcel claims another slot', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await repository.store({ parcel: storedParcel, event: storedEvent });
    await repository.store({ parcel: { ...storedParcel, slotId: '03' }, event: storedEvent });

    // Assess
    expect(transactInput(1)?.ClientRequestToken).not.toBe(transactInput(0)?.ClientRequestToken);
  });

  it('answers stored when the transaction commits', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    const outcome = await repository.store({ parcel: storedParcel, event: storedEvent });

    // Assess
    expect(outcome).toEqual({ kind: 'stored' });
  });

  it.each([
    { reasons: ['ConditionalCheckFailed', 'None', 'None', 'None'], kind: 'slot-taken' },
    { reasons: ['None', 'None', 'ConditionalCheckFailed', 'None'], kind: 'code-taken' },
    { reasons: ['None', 'ConditionalCheckFailed', 'None', 'None'], kind: 'parcel-exists' },
    { reasons: ['None', 'None', 'None', 'None', 'ConditionalCheckFailed'], kind: 'idempotency-key-taken' },
    { reasons: ['TransactionConflict', 'None', 'None', 'None'], kind: 'conflict' },
    { reasons: ['None', 'None', 'None', 'TransactionConflict'], kind: 'conflict' },
  ])('maps cancellation reasons $reasons to $kind', async ({ reasons, kind }) => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled(...reasons));

    // Act
    const outcome = await repository.store({ parcel: storedParcel, event: storedEvent });

    // Assess
    expect(outcome).toEqual({ kind });
  });

  it('prefers idempotency-key-taken over slot-taken, so a replay is not retried on another slot', async () => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None', 'None', 'ConditionalCheckFailed'));

    // Act
    const outcome = await repository.store({ parcel: storedParcel, event: storedEvent });

    // Assess
    expect(outcome).toEqual({ kind: 'idempotency-key-taken' });
  });

  it('throws on a cancellation it cannot map', async () => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'None', 'ValidationError'));

    // Act
    const storing = repository.store({ parcel: storedParcel, event: storedEvent });

    // Assess
    await expect(storing).rejects.toThrow('Storing parcel failed: None,None,None,ValidationError');
  });

  it('lets an error other than a cancelled transaction through', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    mock.on(TransactWriteCommand).rejects(throttled);

    // Act
    const storing = repository.store({ parcel: storedParcel, event: storedEvent });

    // Assess
    await expect(storing).rejects.toBe(throttled);
  });
});

describe('DynamoParcelRepository.findFreeSlots', () => {
  it.each([
    { size: 'S' as const, from: '0' },
    { size: 'M' as const, from: '1' },
    { size: 'L' as const, from: '2' },
  ])('queries the free-slot index of the location from size $size up', async ({ size, from }) => {
    // Prepare
    mock.on(QueryCommand).resolves({ Items: [] });

    // Act
    await repository.findFreeSlots('loc-1', size);

    // Assess
    expect(mock.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: table,
      IndexName: 'free-slots',
      KeyConditionExpression: 'freeSlotPk = :pk AND freeSlotSk >= :from',
      ExpressionAttributeValues: { ':pk': 'FREE#loc-1', ':from': from },
      Limit: 25,
    });
  });

  it('returns the slot addresses the index holds, in index order', async () => {
    // Prepare
    mock.on(QueryCommand).resolves({
      Items: [
        { freeSlotPk: 'FREE#loc-1', freeSlotSk: '1M#A#02', lockerId: 'A', slotId: '02', size: 'M', PK: 'LOC#loc-1', SK: 'SLOT#A#02' },
        { freeSlotPk: 'FREE#loc-1', freeSlotSk: '2L#B#01', lockerId: 'B', slotId: '01', size: 'L', PK: 'LOC#loc-1', SK: 'SLOT#B#01' },
      ],
    });

    // Act
    const slots = await repository.findFreeSlots('loc-1', 'M');

    // Assess
    expect(slots).toEqual([
      { locationId: 'loc-1', lockerId: 'A', slotId: '02', size: 'M' },
      { locationId: 'loc-1', lockerId: 'B', slotId: '01', size: 'L' },
    ]);
  });
});

describe('DynamoParcelRepository.transition', () => {
  it('retrieving updates the parcel on its version, drops code and expiry keys, frees the slot and deletes the code index entry', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});
    const event = laterEvent('PARCEL_RETRIEVED', 'STORED', 'RETRIEVED');

    // Act
    await repository.transition({ parcel: storedParcel, to: 'RETRIEVED', freeSlot: true, event, at: new Date('2026-11-23T08:00:00.000Z') });

    // Assess
    expect(transactInput()).toEqual({
      TransactItems: [
        {
          Update: {
            TableName: table,
            Key: { PK: 'PARCEL#p-1', SK: 'META' },
            ConditionExpression: 'version = :version',
            UpdateExpression:
              'SET #status = :to, updatedAt = :at, version = :next REMOVE pickupCodeHash, sealedPickupCode, expiryPk, expirySk',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':to': 'RETRIEVED', ':at': '2026-11-23T08:00:00.000Z', ':version': 1, ':next': 2 },
          },
        },
        { Put: { TableName: table, Item: { PK: 'PARCEL#p-1', SK: 'EVT#2026-11-23T08:00:00.000Z#evt-2', entity: 'EVENT', ...event } } },
        { Delete: { TableName: table, Key: { PK: 'LOC#loc-1#CODE#hash-1', SK: 'CODE' } } },
        {
          Update: {
            TableName: table,
            Key: { PK: 'LOC#loc-1', SK: 'SLOT#A#02' },
            ConditionExpression: 'parcelId = :parcelId',
            UpdateExpression: 'SET #status = :free, freeSlotPk = :freePk, freeSlotSk = :freeSk REMOVE parcelId',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':parcelId': 'p-1', ':free': 'FREE', ':freePk': 'FREE#loc-1', ':freeSk': '1M#A#02' },
          },
        },
      ],
    });
  });

  it('expiring keeps the slot occupied but still drops the code and its index entry', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});
    const event = laterEvent('PARCEL_EXPIRED', 'STORED', 'EXPIRED');

    // Act
    await repository.transition({ parcel: storedParcel, to: 'EXPIRED', freeSlot: false, event, at: new Date('2026-11-25T10:05:00.000Z') });

    // Assess
    expect(transactInput()?.TransactItems).toEqual([
      {
        Update: {
          TableName: table,
          Key: { PK: 'PARCEL#p-1', SK: 'META' },
          ConditionExpression: 'version = :version',
          UpdateExpression: 'SET #status = :to, updatedAt = :at, version = :next REMOVE pickupCodeHash, sealedPickupCode, expiryPk, expirySk',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':to': 'EXPIRED', ':at': '2026-11-25T10:05:00.000Z', ':version': 1, ':next': 2 },
        },
      },
      { Put: { TableName: table, Item: { PK: 'PARCEL#p-1', SK: 'EVT#2026-11-23T08:00:00.000Z#evt-2', entity: 'EVENT', ...event } } },
      { Delete: { TableName: table, Key: { PK: 'LOC#loc-1#CODE#hash-1', SK: 'CODE' } } },
    ]);
  });

  it('returning an expired parcel frees the slot without touching code attributes it no longer has', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});
    const { pickupCodeHash: _hash, sealedPickupCode: _sealed, ...rest } = storedParcel;
    const expired: StoredParcel = { ...rest, status: 'EXPIRED', version: 2 };
    const event = laterEvent('PARCEL_RETURNED', 'EXPIRED', 'RETURNED');

    // Act
    await repository.transition({ parcel: expired, to: 'RETURNED', freeSlot: true, event, at: new Date('2026-11-26T09:00:00.000Z') });

    // Assess
    expect(transactInput()?.TransactItems).toEqual([
      {
        Update: {
          TableName: table,
          Key: { PK: 'PARCEL#p-1', SK: 'META' },
          ConditionExpression: 'version = :version',
          UpdateExpression: 'SET #status = :to, updatedAt = :at, version = :next',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':to': 'RETURNED', ':at': '2026-11-26T09:00:00.000Z', ':version': 2, ':next': 3 },
        },
      },
      { Put: { TableName: table, Item: { PK: 'PARCEL#p-1', SK: 'EVT#2026-11-23T08:00:00.000Z#evt-2', entity: 'EVENT', ...event } } },
      {
        Update: {
          TableName: table,
          Key: { PK: 'LOC#loc-1', SK: 'SLOT#A#02' },
          ConditionExpression: 'parcelId = :parcelId',
          UpdateExpression: 'SET #status = :free, freeSlotPk = :freePk, freeSlotSk = :freeSk REMOVE parcelId',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':parcelId': 'p-1', ':free': 'FREE', ':freePk': 'FREE#loc-1', ':freeSk': '1M#A#02' },
        },
      },
    ]);
  });

  it('answers true when the transaction commits', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    const changed = await repository.transition({
      parcel: storedParcel, to: 'CANCELLED', freeSlot: true, event: laterEvent('PARCEL_CANCELLED', 'STORED', 'CANCELLED'), at: new Date(),
    });

    // Assess
    expect(changed).toBe(true);
  });

  it.each([
    { reasons: ['ConditionalCheckFailed', 'None', 'None', 'None'], why: 'the version moved on' },
    { reasons: ['None', 'None', 'None', 'TransactionConflict'], why: 'a concurrent transaction touched the items' },
  ])('answers false when $why', async ({ reasons }) => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled(...reasons));

    // Act
    const changed = await repository.transition({
      parcel: storedParcel, to: 'CANCELLED', freeSlot: true, event: laterEvent('PARCEL_CANCELLED', 'STORED', 'CANCELLED'), at: new Date(),
    });

    // Assess
    expect(changed).toBe(false);
  });

  it('throws when the slot no longer holds the parcel', async () => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'None', 'ConditionalCheckFailed'));

    // Act
    const changing = repository.transition({
      parcel: storedParcel, to: 'CANCELLED', freeSlot: true, event: laterEvent('PARCEL_CANCELLED', 'STORED', 'CANCELLED'), at: new Date(),
    });

    // Assess
    await expect(changing).rejects.toThrow('Parcel transition to CANCELLED failed: None,None,None,ConditionalCheckFailed');
  });
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

  it('answers false when the count it read is stale', async () => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));

    // Act
    const recorded = await repository.recordWrongCode(storedParcel, { failedAttempts: 0 }, { failedAttempts: 1 }, rejected);

    // Assess
    expect(recorded).toBe(false);
  });
});

describe('DynamoParcelRepository.replaceCode', () => {
  const reissued = laterEvent('PICKUP_CODE_REISSUED', 'STORED', 'STORED');

  it('swaps the code on the version it read while STORED, adds the new index entry and deletes the old one', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await repository.replaceCode(storedParcel, { hash: 'hash-2', sealed: 'sealed-2' }, reissued);

    // Assess
    expect(transactInput()).toEqual({
      TransactItems: [
        {
          Update: {
            TableName: table,
            Key: { PK: 'PARCEL#p-1', SK: 'META' },
            ConditionExpression: 'version = :version AND #status = :stored',
            UpdateExpression: 'SET pickupCodeHash = :hash, sealedPickupCode = :sealed, version = :next',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':version': 1, ':next': 2, ':stored': 'STORED', ':hash': 'hash-2', ':sealed': 'sealed-2' },
          },
        },
        {
          Put: {
            TableName: table,
            Item: { PK: 'LOC#loc-1#CODE#hash-2', SK: 'CODE', parcelId: 'p-1' },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        { Put: { TableName: table, Item: { PK: 'PARCEL#p-1', SK: 'EVT#2026-11-23T08:00:00.000Z#evt-2', entity: 'EVENT', ...reissued } } },
        { Delete: { TableName: table, Key: { PK: 'LOC#loc-1#CODE#hash-1', SK: 'CODE' } } },
      ],
    });
  });

  it.each([
    { reasons: ['None', 'None', 'None', 'None'], outcome: 'replaced', commits: true },
    { reasons: ['None', 'ConditionalCheckFailed', 'None', 'None'], outcome: 'code-taken', commits: false },
    { reasons: ['ConditionalCheckFailed', 'None', 'None', 'None'], outcome: 'stale', commits: false },
    { reasons: ['None', 'None', 'TransactionConflict', 'None'], outcome: 'stale', commits: false },
  ])('answers $outcome for cancellation reasons $reasons', async ({ reasons, outcome, commits }) => {
    // Prepare
    if (commits) mock.on(TransactWriteCommand).resolves({});
    else mock.on(TransactWriteCommand).rejects(cancelled(...reasons));

    // Act
    const result = await repository.replaceCode(storedParcel, { hash: 'hash-2', sealed: 'sealed-2' }, reissued);

    // Assess
    expect(result).toBe(outcome);
  });

  it('never sends two operations on one item when the new code hashes like the current one', async () => {
    // Prepare: one draw in a million repeats the current code; DynamoDB refuses a transaction
    // that touches one item twice with a ValidationException, not a cancellation.
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await repository.replaceCode(storedParcel, { hash: 'hash-1', sealed: 'sealed-again' }, reissued);

    // Assess
    const keys = (transactInput()?.TransactItems ?? []).map((item) => {
      const key = item.Put?.Item ?? item.Update?.Key ?? item.Delete?.Key ?? item.ConditionCheck?.Key ?? {};
      return `${String(key.PK)}|${String(key.SK)}`;
    });
    expect(keys.filter((key, index) => keys.indexOf(key) !== index)).toEqual([]);
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
    const foreign = Buffer.from(
      JSON.stringify({ PK: 'PARCEL#p-9', SK: 'META', recipientPk: 'USER#cust-2', recipientSk: '2026-11-22T10:00:00.000Z#p-9' }),
    ).toString('base64url');

    // Act
    const listing = repository.listByRecipient('cust-1', { limit: 10, cursor: foreign });

    // Assess
    await expect(listing).rejects.toThrow(ValidationError);
    expect(mock.commandCalls(QueryCommand)).toEqual([]);
  });

  it('refuses a cursor from another location\'s listing and sends no query', async () => {
    // Prepare
    const foreign = Buffer.from(JSON.stringify({ PK: 'PARCEL#p-9', SK: 'META', locationPk: 'LOC#loc-2', locationSk: 'x' })).toString('base64url');

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
});
