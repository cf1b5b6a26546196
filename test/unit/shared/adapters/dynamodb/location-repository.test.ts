import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client';
import { DynamoLocationRepository } from '#shared/adapters/dynamodb/location-repository';
import { ConflictError, NotFoundError } from '#shared/domain/errors';
import type { AuditEvent } from '#shared/domain/events';
import type { Location, Locker } from '#shared/domain/location';
import type { Slot } from '#shared/domain/slot';

const table = 'locker-table';
const mock = mockClient(DynamoDBDocumentClient);
const repository = new DynamoLocationRepository(createDocumentClient(new DynamoDBClient({ region: 'eu-west-1' })), table);

const location: Location = {
  locationId: 'loc-1',
  name: 'Station Square',
  address: '1 Station Square',
  pickupWindowHours: 72,
  createdAt: '2026-11-22T09:00:00.000Z',
};
const locker: Locker = { locationId: 'loc-1', lockerId: 'A', createdAt: '2026-11-22T09:30:00.000Z' };
const slots: Slot[] = [
  { locationId: 'loc-1', lockerId: 'A', slotId: '01', size: 'S', status: 'FREE' },
  { locationId: 'loc-1', lockerId: 'A', slotId: '02', size: 'L', status: 'FREE' },
];

const adminEvent = (type: AuditEvent['type'], extra: Partial<AuditEvent> = {}): AuditEvent => ({
  eventId: 'evt-1',
  type,
  at: '2026-11-22T09:30:00.000Z',
  actor: { sub: 'admin-1', role: 'admin' },
  locationId: 'loc-1',
  ...extra,
});
const eventItemOf = (event: AuditEvent) => ({ PK: 'LOC#loc-1', SK: `EVT#${event.at}#${event.eventId}`, entity: 'EVENT', ...event });

const slotItem = (slotId: string, status: Slot['status'], extra: Record<string, unknown> = {}) => ({
  PK: 'LOC#loc-1',
  SK: `SLOT#A#${slotId}`,
  locationId: 'loc-1',
  lockerId: 'A',
  slotId,
  size: 'M',
  status,
  ...extra,
});

const transactInput = () => mock.commandCalls(TransactWriteCommand)[0]?.args[0].input;

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

beforeEach(() => {
  mock.reset();
});

describe('DynamoLocationRepository.create', () => {
  it('puts the location only if its id is new, with its event', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});
    const event = adminEvent('LOCATION_CREATED');

    // Act
    await repository.create(location, event);

    // Assess
    expect(transactInput()).toEqual({
      TransactItems: [
        {
          Put: {
            TableName: table,
            Item: { PK: 'LOC#loc-1', SK: 'META', entityTypePk: 'LOCATION', entityTypeSk: 'loc-1', ...location },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        { Put: { TableName: table, Item: eventItemOf(event) } },
      ],
    });
  });

  it('refuses an existing id with LOCATION_EXISTS', async () => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));

    // Act
    const creating = repository.create(location, adminEvent('LOCATION_CREATED'));

    // Assess
    await expect(creating).rejects.toEqual(new ConflictError('LOCATION_EXISTS', 'A location with this id already exists'));
  });
});

describe('DynamoLocationRepository.addLocker', () => {
  it('checks that the location exists, puts a new locker, its slots with free-index keys and the event', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});
    const event = adminEvent('LOCKER_ADDED', { lockerId: 'A' });

    // Act
    await repository.addLocker(locker, slots, event);

    // Assess
    expect(transactInput()).toEqual({
      TransactItems: [
        { ConditionCheck: { TableName: table, Key: { PK: 'LOC#loc-1', SK: 'META' }, ConditionExpression: 'attribute_exists(PK)' } },
        {
          Put: {
            TableName: table,
            Item: { PK: 'LOC#loc-1', SK: 'LOCKER#A', ...locker },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        {
          Put: {
            TableName: table,
            Item: { PK: 'LOC#loc-1', SK: 'SLOT#A#01', ...slots[0], freeSlotPk: 'FREE#loc-1', freeSlotSk: '0S#A#01' },
          },
        },
        {
          Put: {
            TableName: table,
            Item: { PK: 'LOC#loc-1', SK: 'SLOT#A#02', ...slots[1], freeSlotPk: 'FREE#loc-1', freeSlotSk: '2L#A#02' },
          },
        },
        { Put: { TableName: table, Item: eventItemOf(event) } },
      ],
    });
  });

  it('answers LOCATION_NOT_FOUND when the location check fails', async () => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None', 'None', 'None'));

    // Act
    const adding = repository.addLocker(locker, slots, adminEvent('LOCKER_ADDED'));

    // Assess
    await expect(adding).rejects.toEqual(new NotFoundError('LOCATION_NOT_FOUND', 'No such location'));
  });

  it('answers LOCKER_EXISTS when the locker put fails', async () => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'None', 'None', 'None'));

    // Act
    const adding = repository.addLocker(locker, slots, adminEvent('LOCKER_ADDED'));

    // Assess
    await expect(adding).rejects.toEqual(new ConflictError('LOCKER_EXISTS', 'A locker with this id already exists here'));
  });
});

describe('DynamoLocationRepository.removeLocker', () => {
  it('refuses with LOCKER_NOT_EMPTY and writes nothing when a slot is OCCUPIED', async () => {
    // Prepare
    mock.on(GetCommand).resolves({ Item: { PK: 'LOC#loc-1', SK: 'LOCKER#A', ...locker } });
    mock.on(QueryCommand).resolves({ Items: [slotItem('01', 'FREE'), slotItem('02', 'OCCUPIED', { parcelId: 'p-1' })] });

    // Act
    const removing = repository.removeLocker(locker, adminEvent('LOCKER_REMOVED', { lockerId: 'A' }));

    // Assess
    await expect(removing).rejects.toEqual(new ConflictError('LOCKER_NOT_EMPTY', 'The locker still holds parcels'));
    expect(mock.commandCalls(TransactWriteCommand)).toEqual([]);
  });

  it('reads the locker\'s slots with a consistent query on the slot prefix', async () => {
    // Prepare
    mock.on(GetCommand).resolves({ Item: { PK: 'LOC#loc-1', SK: 'LOCKER#A', ...locker } });
    mock.on(QueryCommand).resolves({ Items: [] });
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await repository.removeLocker(locker, adminEvent('LOCKER_REMOVED', { lockerId: 'A' }));

    // Assess
    expect(mock.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': 'LOC#loc-1', ':prefix': 'SLOT#A#' },
      ConsistentRead: true,
      ExclusiveStartKey: undefined,
    });
  });

  it('deletes the locker and each slot only while not OCCUPIED, with the event', async () => {
    // Prepare
    const event = adminEvent('LOCKER_REMOVED', { lockerId: 'A' });
    mock.on(GetCommand).resolves({ Item: { PK: 'LOC#loc-1', SK: 'LOCKER#A', ...locker } });
    mock.on(QueryCommand).resolves({ Items: [slotItem('01', 'FREE'), slotItem('02', 'OUT_OF_SERVICE')] });
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await repository.removeLocker(locker, event);

    // Assess
    const slotDelete = (slotId: string) => ({
      Delete: {
        TableName: table,
        Key: { PK: 'LOC#loc-1', SK: `SLOT#A#${slotId}` },
        ConditionExpression: '#status <> :occupied',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':occupied': 'OCCUPIED' },
      },
    });
    expect(transactInput()).toEqual({
      TransactItems: [
        { Delete: { TableName: table, Key: { PK: 'LOC#loc-1', SK: 'LOCKER#A' }, ConditionExpression: 'attribute_exists(PK)' } },
        slotDelete('01'),
        slotDelete('02'),
        { Put: { TableName: table, Item: eventItemOf(event) } },
      ],
    });
  });

  it('answers LOCKER_NOT_FOUND without querying when the locker does not exist', async () => {
    // Prepare
    mock.on(GetCommand).resolves({});

    // Act
    const removing = repository.removeLocker(locker, adminEvent('LOCKER_REMOVED'));

    // Assess
    await expect(removing).rejects.toEqual(new NotFoundError('LOCKER_NOT_FOUND', 'No such locker'));
    expect(mock.commandCalls(QueryCommand)).toEqual([]);
  });

  it('answers LOCKER_NOT_EMPTY when a slot was claimed between the read and the delete', async () => {
    // Prepare
    mock.on(GetCommand).resolves({ Item: { PK: 'LOC#loc-1', SK: 'LOCKER#A', ...locker } });
    mock.on(QueryCommand).resolves({ Items: [slotItem('01', 'FREE')] });
    mock.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'None'));

    // Act
    const removing = repository.removeLocker(locker, adminEvent('LOCKER_REMOVED'));

    // Assess
    await expect(removing).rejects.toEqual(new ConflictError('LOCKER_NOT_EMPTY', 'The locker still holds parcels'));
  });
});

describe('DynamoLocationRepository.setSlotStatus', () => {
  const address = { locationId: 'loc-1', lockerId: 'A', slotId: '02' };

  it('taking a slot out of service removes its free-index keys, unless it is OCCUPIED', async () => {
    // Prepare
    const event = adminEvent('SLOT_STATUS_CHANGED', { lockerId: 'A', slotId: '02', from: 'FREE', to: 'OUT_OF_SERVICE' });
    mock.on(GetCommand).resolves({ Item: slotItem('02', 'FREE', { freeSlotPk: 'FREE#loc-1', freeSlotSk: '1M#A#02' }) });
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await repository.setSlotStatus(address, 'OUT_OF_SERVICE', event);

    // Assess
    expect(transactInput()).toEqual({
      TransactItems: [
        {
          Update: {
            TableName: table,
            Key: { PK: 'LOC#loc-1', SK: 'SLOT#A#02' },
            ConditionExpression: 'attribute_exists(PK) AND #status <> :occupied',
            UpdateExpression: 'SET #status = :status REMOVE freeSlotPk, freeSlotSk',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':status': 'OUT_OF_SERVICE', ':occupied': 'OCCUPIED' },
          },
        },
        { Put: { TableName: table, Item: eventItemOf(event) } },
      ],
    });
  });

  it('freeing a slot adds its free-index keys, unless it is OCCUPIED', async () => {
    // Prepare
    const event = adminEvent('SLOT_STATUS_CHANGED', { lockerId: 'A', slotId: '02', from: 'OUT_OF_SERVICE', to: 'FREE' });
    mock.on(GetCommand).resolves({ Item: slotItem('02', 'OUT_OF_SERVICE') });
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await repository.setSlotStatus(address, 'FREE', event);

    // Assess
    expect(transactInput()).toEqual({
      TransactItems: [
        {
          Update: {
            TableName: table,
            Key: { PK: 'LOC#loc-1', SK: 'SLOT#A#02' },
            ConditionExpression: 'attribute_exists(PK) AND #status <> :occupied',
            UpdateExpression: 'SET #status = :status, freeSlotPk = :freePk, freeSlotSk = :freeSk',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':status': 'FREE', ':occupied': 'OCCUPIED', ':freePk': 'FREE#loc-1', ':freeSk': '1M#A#02' },
          },
        },
        { Put: { TableName: table, Item: eventItemOf(event) } },
      ],
    });
  });

  it('returns the slot with its new status', async () => {
    // Prepare
    mock.on(GetCommand).resolves({ Item: slotItem('02', 'OUT_OF_SERVICE') });
    mock.on(TransactWriteCommand).resolves({});

    // Act
    const slot = await repository.setSlotStatus(address, 'FREE', adminEvent('SLOT_STATUS_CHANGED'));

    // Assess
    expect(slot).toEqual({ locationId: 'loc-1', lockerId: 'A', slotId: '02', size: 'M', status: 'FREE' });
  });

  it('refuses an OCCUPIED slot with SLOT_OCCUPIED and writes nothing', async () => {
    // Prepare
    mock.on(GetCommand).resolves({ Item: slotItem('02', 'OCCUPIED', { parcelId: 'p-1' }) });

    // Act
    const setting = repository.setSlotStatus(address, 'OUT_OF_SERVICE', adminEvent('SLOT_STATUS_CHANGED'));

    // Assess
    await expect(setting).rejects.toEqual(new ConflictError('SLOT_OCCUPIED', 'The slot holds a parcel'));
    expect(mock.commandCalls(TransactWriteCommand)).toEqual([]);
  });

  it('answers SLOT_OCCUPIED when the slot was claimed between the read and the write', async () => {
    // Prepare
    mock.on(GetCommand).resolves({ Item: slotItem('02', 'FREE') });
    mock.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));

    // Act
    const setting = repository.setSlotStatus(address, 'OUT_OF_SERVICE', adminEvent('SLOT_STATUS_CHANGED'));

    // Assess
    await expect(setting).rejects.toEqual(new ConflictError('SLOT_OCCUPIED', 'The slot holds a parcel'));
  });

  it('answers SLOT_NOT_FOUND for an unknown slot', async () => {
    // Prepare
    mock.on(GetCommand).resolves({});

    // Act
    const setting = repository.setSlotStatus(address, 'FREE', adminEvent('SLOT_STATUS_CHANGED'));

    // Assess
    await expect(setting).rejects.toEqual(new NotFoundError('SLOT_NOT_FOUND', 'No such slot'));
  });
});

describe('DynamoLocationRepository reads', () => {
  it('follows every page of the location range and groups slots under their lockers', async () => {
    // Prepare
    mock
      .on(QueryCommand)
      .resolvesOnce({
        Items: [{ PK: 'LOC#loc-1', SK: 'LOCKER#A', ...locker }, { PK: 'LOC#loc-1', SK: 'META', ...location }],
        LastEvaluatedKey: { PK: 'LOC#loc-1', SK: 'META' },
      })
      .resolvesOnce({ Items: [slotItem('01', 'FREE'), slotItem('02', 'OCCUPIED', { parcelId: 'p-1' })] });

    // Act
    const layout = await repository.layout('loc-1');

    // Assess
    expect({ layout, start: mock.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey }).toEqual({
      layout: {
        lockers: [
          {
            ...locker,
            slots: [
              { locationId: 'loc-1', lockerId: 'A', slotId: '01', size: 'M', status: 'FREE' },
              { locationId: 'loc-1', lockerId: 'A', slotId: '02', size: 'M', status: 'OCCUPIED', parcelId: 'p-1' },
            ],
          },
        ],
      },
      start: { PK: 'LOC#loc-1', SK: 'META' },
    });
  });

  it('counts free slots per size from the free-slot index', async () => {
    // Prepare
    mock.on(QueryCommand).resolves({ Items: [{ size: 'S' }, { size: 'L' }, { size: 'L' }] });

    // Act
    const counts = await repository.freeCounts('loc-1');

    // Assess
    expect({ counts, input: mock.commandCalls(QueryCommand)[0]?.args[0].input }).toEqual({
      counts: { S: 1, M: 0, L: 2 },
      input: {
        TableName: table,
        IndexName: 'free-slots',
        KeyConditionExpression: 'freeSlotPk = :pk',
        ExpressionAttributeValues: { ':pk': 'FREE#loc-1' },
        ExclusiveStartKey: undefined,
      },
    });
  });
});
