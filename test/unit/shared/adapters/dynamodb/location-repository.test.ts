import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client';
import { SealedCursors } from '#shared/adapters/dynamodb/cursor';
import { shardOf } from '#shared/adapters/dynamodb/entities/shard';
import { DynamoLocationRepository } from '#shared/adapters/dynamodb/location-repository';
import { ConflictError, NotFoundError } from '#shared/domain/errors';
import type { AuditEvent } from '#shared/domain/events';
import type { Location, Locker } from '#shared/domain/location';
import { newSlot, statusOf, type Slot } from '#shared/domain/slot';

const table = 'locker-table';
const mock = mockClient(DynamoDBDocumentClient);
const cursors = new SealedCursors('unit-test-secret-0123456789abcdef0123');
const scope = 'entities-by-type\nLOCATION';
const repository = new DynamoLocationRepository(createDocumentClient(new DynamoDBClient({ region: 'eu-west-1' })), table, cursors);

const location: Location = {
  locationId: 'loc-1',
  name: 'Station Square',
  address: '1 Station Square',
  pickupWindowHours: 72,
  createdAt: '2026-11-22T09:00:00.000Z',
};
const locker: Locker = {
  locationId: 'loc-1',
  lockerId: 'A',
  createdAt: '2026-11-22T09:30:00.000Z',
  thingName: 'loc-1:A',
  slotIds: ['01', '02'],
  online: false,
};
const slots: Slot[] = [
  newSlot({ locationId: 'loc-1', lockerId: 'A', slotId: '01', size: 'S' }),
  newSlot({ locationId: 'loc-1', lockerId: 'A', slotId: '02', size: 'L' }),
];
const closedAndLocked = { lock: 'LOCKED', door: 'CLOSED', lastCommandId: 'cmd-0', fault: null, version: 4, at: '2026-11-22T09:40:00.000Z' } as const;

const adminEvent = (type: AuditEvent['type'], extra: Partial<AuditEvent> = {}): AuditEvent => ({
  eventId: 'evt-1',
  type,
  at: '2026-11-22T09:30:00.000Z',
  actor: { sub: 'admin-1', role: 'admin' },
  locationId: 'loc-1',
  ...extra,
});
const eventPut = (event: AuditEvent) => ({ Put: { TableName: table, Item: { PK: 'LOC#loc-1', SK: `EVT#${event.at}#${event.eventId}`, entity: 'EVENT', ...event } } });

const lockerItem = { PK: 'LOC#loc-1', SK: 'LOCKER#A', entity: 'LOCKER', entityTypePk: 'LOCKER', entityTypeSk: 'loc-1#A', ...locker };
const slotItem = (slot: Slot, indexKeys: Record<string, string> = {}) => ({
  PK: 'LOC#loc-1',
  SK: `SLOT#${slot.lockerId}#${slot.slotId}`,
  entity: 'SLOT',
  ...slot,
  status: statusOf(slot),
  ...indexKeys,
});
const occupied: Slot = { ...slots[1]!, occupancy: 'OCCUPIED', parcelId: 'p-1', door: closedAndLocked, version: 3 };

const sent = () => mock.commandCalls(TransactWriteCommand)[0]?.args[0].input;
const queries = () => mock.commandCalls(QueryCommand).map((call) => call.args[0].input);

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

beforeEach(() => {
  mock.reset();
  vi.spyOn(Math, 'random').mockReturnValue(0);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('DynamoLocationRepository.create', () => {
  it('puts the location, listed by type, only if its id is new, with its event', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});
    const event = adminEvent('LOCATION_CREATED');

    // Act
    await repository.create(location, event);

    // Assess
    expect(sent()).toEqual({
      TransactItems: [
        {
          Put: {
            TableName: table,
            Item: { PK: 'LOC#loc-1', SK: 'META', entity: 'LOCATION', entityTypePk: 'LOCATION', entityTypeSk: 'loc-1', ...location },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        eventPut(event),
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

  it('throws, naming the reasons, when the write fails for another reason', async () => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled('None', 'TransactionConflict'));

    // Act
    const creating = repository.create(location, adminEvent('LOCATION_CREATED'));

    // Assess
    await expect(creating).rejects.toThrow('Creating location failed: None,TransactionConflict');
  });
});

describe('DynamoLocationRepository.addLocker', () => {
  it('checks the location exists and puts the new locker, its new slots with the free-slot keys, and the event', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});
    const event = adminEvent('LOCKER_ADDED', { lockerId: 'A' });

    // Act
    await repository.addLocker(locker, slots, event);

    // Assess
    expect(sent()).toEqual({
      TransactItems: [
        { ConditionCheck: { TableName: table, Key: { PK: 'LOC#loc-1', SK: 'META' }, ConditionExpression: 'attribute_exists(PK)' } },
        { Put: { TableName: table, Item: lockerItem, ConditionExpression: 'attribute_not_exists(PK)' } },
        {
          Put: {
            TableName: table,
            Item: {
              PK: 'LOC#loc-1',
              SK: 'SLOT#A#01',
              entity: 'SLOT',
              locationId: 'loc-1',
              lockerId: 'A',
              slotId: '01',
              size: 'S',
              occupancy: 'FREE',
              service: 'IN_SERVICE',
              version: 0,
              status: 'FREE',
              freeSlotPk: 'FREE#loc-1',
              freeSlotSk: '0S#A#01',
              locationFreePk: 'FREESLOTS#3',
              locationFreeSk: 'loc-1#S#A#01',
            },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        {
          Put: {
            TableName: table,
            Item: slotItem(slots[1]!, { freeSlotPk: 'FREE#loc-1', freeSlotSk: '2L#A#02', locationFreePk: 'FREESLOTS#3', locationFreeSk: 'loc-1#L#A#02' }),
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        eventPut(event),
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
    mock.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'ConditionalCheckFailed', 'None', 'None'));

    // Act
    const adding = repository.addLocker(locker, slots, adminEvent('LOCKER_ADDED'));

    // Assess
    await expect(adding).rejects.toEqual(new ConflictError('LOCKER_EXISTS', 'A locker with this id already exists here'));
  });
});

describe('DynamoLocationRepository.removeLocker', () => {
  const removed = adminEvent('LOCKER_REMOVED', { lockerId: 'A' });
  const notEmpty = new ConflictError('LOCKER_NOT_EMPTY', 'The locker still holds parcels or has a door command under way');

  it('answers LOCKER_NOT_FOUND without reading slots when the locker does not exist', async () => {
    // Prepare
    mock.on(GetCommand).resolves({});

    // Act
    const removing = repository.removeLocker(locker, removed);

    // Assess
    await expect(removing).rejects.toEqual(new NotFoundError('LOCKER_NOT_FOUND', 'No such locker'));
    expect(queries()).toEqual([]);
  });

  it('reads the locker and then its slots consistently', async () => {
    // Prepare
    mock.on(GetCommand).resolves({ Item: lockerItem });
    mock.on(QueryCommand).resolves({ Items: [] });
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await repository.removeLocker(locker, removed);

    // Assess
    expect({ get: mock.commandCalls(GetCommand)[0]?.args[0].input, queries: queries() }).toEqual({
      get: { TableName: table, Key: { PK: 'LOC#loc-1', SK: 'LOCKER#A' }, ConsistentRead: true },
      queries: [
        {
          TableName: table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': 'LOC#loc-1', ':prefix': 'SLOT#A#' },
          ConsistentRead: true,
          ExclusiveStartKey: undefined,
        },
      ],
    });
  });

  it.each<{ why: string; slot: Slot }>([
    { why: 'a slot holds a parcel', slot: occupied },
    { why: 'a door command is under way', slot: { ...slots[0]!, command: { commandId: 'cmd-1', reason: 'MAINTENANCE', expiresAt: '2026-11-22T10:00:30.000Z' } } },
  ])('refuses with LOCKER_NOT_EMPTY and writes nothing when $why', async ({ slot }) => {
    // Prepare
    mock.on(GetCommand).resolves({ Item: lockerItem });
    mock.on(QueryCommand).resolves({ Items: [slotItem(slots[0]!), slotItem(slot)] });

    // Act
    const removing = repository.removeLocker(locker, removed);

    // Assess
    await expect(removing).rejects.toEqual(notEmpty);
    expect(mock.commandCalls(TransactWriteCommand)).toEqual([]);
  });

  it('deletes the locker and each slot only while it holds no parcel and no command, with the event', async () => {
    // Prepare
    const outOfService: Slot = { ...slots[1]!, service: 'OUT_OF_SERVICE', fault: 'JAMMED', version: 2 };
    mock.on(GetCommand).resolves({ Item: lockerItem });
    mock.on(QueryCommand).resolves({ Items: [slotItem(slots[0]!), slotItem(outOfService)] });
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await repository.removeLocker(locker, removed);

    // Assess
    const slotDelete = (slotId: string) => ({
      Delete: {
        TableName: table,
        Key: { PK: 'LOC#loc-1', SK: `SLOT#A#${slotId}` },
        ConditionExpression: 'occupancy = :free AND attribute_not_exists(#command)',
        ExpressionAttributeNames: { '#command': 'command' },
        ExpressionAttributeValues: { ':free': 'FREE' },
      },
    });
    expect(sent()).toEqual({
      TransactItems: [
        { Delete: { TableName: table, Key: { PK: 'LOC#loc-1', SK: 'LOCKER#A' }, ConditionExpression: 'attribute_exists(PK)' } },
        slotDelete('01'),
        slotDelete('02'),
        eventPut(removed),
      ],
    });
  });

  it('answers LOCKER_NOT_EMPTY when a slot was claimed between the read and the delete', async () => {
    // Prepare
    mock.on(GetCommand).resolves({ Item: lockerItem });
    mock.on(QueryCommand).resolves({ Items: [slotItem(slots[0]!)] });
    mock.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'None'));

    // Act
    const removing = repository.removeLocker(locker, removed);

    // Assess
    await expect(removing).rejects.toEqual(notEmpty);
  });

  it('answers LOCKER_NOT_FOUND when the locker was removed between the read and the delete', async () => {
    // Prepare
    mock.on(GetCommand).resolves({ Item: lockerItem });
    mock.on(QueryCommand).resolves({ Items: [slotItem(slots[0]!)] });
    mock.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));

    // Act
    const removing = repository.removeLocker(locker, removed);

    // Assess
    await expect(removing).rejects.toEqual(new NotFoundError('LOCKER_NOT_FOUND', 'No such locker'));
  });
});

describe('DynamoLocationRepository.recordPresence', () => {
  const online = adminEvent('LOCKER_ONLINE', { actor: { sub: 'system', role: 'system' }, lockerId: 'A' });
  const offline = adminEvent('LOCKER_OFFLINE', { actor: { sub: 'system', role: 'system' }, lockerId: 'A' });

  it('sets a connection only on an existing locker that has seen no event of this connection or a later one, naming `online` by alias', async () => {
    // `online` is a DynamoDB reserved word: used bare in an expression, every write is refused with a ValidationException.
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    const applied = await repository.recordPresence(locker, { online: true, version: 7, at: '2026-11-22T10:00:00.000Z' }, online);

    // Assess
    expect({ applied, input: sent() }).toEqual({
      applied: true,
      input: {
        TransactItems: [
          {
            Update: {
              TableName: table,
              Key: { PK: 'LOC#loc-1', SK: 'LOCKER#A' },
              ConditionExpression:
                'attribute_exists(PK) AND (attribute_not_exists(presenceVersion) OR presenceVersion < :version OR presenceAt < :reset)',
              UpdateExpression: 'SET #online = :online, presenceVersion = :version, presenceAt = :at',
              ExpressionAttributeNames: { '#online': 'online' },
              ExpressionAttributeValues: { ':online': true, ':version': 7, ':at': '2026-11-22T10:00:00.000Z', ':reset': '2026-11-22T09:00:00.000Z' },
            },
          },
          eventPut(online),
        ],
      },
    });
  });

  it('also applies a disconnection after the connection it ends, which carries the same version number', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await repository.recordPresence(locker, { online: false, version: 7, at: '2026-11-22T11:00:00.000Z' }, offline);

    // Assess
    expect(sent()?.TransactItems?.[0]).toEqual({
      Update: {
        TableName: table,
        Key: { PK: 'LOC#loc-1', SK: 'LOCKER#A' },
        ConditionExpression:
          'attribute_exists(PK) AND (attribute_not_exists(presenceVersion) OR presenceVersion < :version OR presenceAt < :reset OR (presenceVersion = :version AND #online = :true))',
        UpdateExpression: 'SET #online = :online, presenceVersion = :version, presenceAt = :at',
        ExpressionAttributeNames: { '#online': 'online' },
        ExpressionAttributeValues: { ':online': false, ':version': 7, ':at': '2026-11-22T11:00:00.000Z', ':reset': '2026-11-22T10:00:00.000Z', ':true': true },
      },
    });
  });

  it('answers false when a newer event was applied or the locker is gone', async () => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));

    // Act
    const applied = await repository.recordPresence(locker, { online: true, version: 6, at: '2026-11-22T09:00:00.000Z' }, online);

    // Assess
    expect(applied).toBe(false);
  });

  it('throws, naming the reasons, when the write fails for another reason', async () => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled('TransactionConflict', 'None'));

    // Act
    const recording = repository.recordPresence(locker, { online: true, version: 7, at: '2026-11-22T10:00:00.000Z' }, online);

    // Assess
    await expect(recording).rejects.toThrow('Recording presence failed: TransactionConflict,None');
  });
});

describe('DynamoLocationRepository reads', () => {
  it('reads a location by id', async () => {
    // Prepare
    mock.on(GetCommand).resolves({ Item: { PK: 'LOC#loc-1', SK: 'META', entity: 'LOCATION', entityTypePk: 'LOCATION', entityTypeSk: 'loc-1', ...location } });

    // Act
    const read = await repository.get('loc-1');

    // Assess
    expect({ read, input: mock.commandCalls(GetCommand)[0]?.args[0].input }).toEqual({
      read: location,
      input: { TableName: table, Key: { PK: 'LOC#loc-1', SK: 'META' } },
    });
  });

  it('answers undefined for an unknown location', async () => {
    // Prepare
    mock.on(GetCommand).resolves({});

    // Act
    const read = await repository.get('loc-9');

    // Assess
    expect(read).toBeUndefined();
  });

  it('lists one page of locations by type, continuing from the cursor, and gives the next cursor', async () => {
    // Prepare
    const other = { ...location, locationId: 'loc-2' };
    const previousKey = { PK: 'LOC#loc-0', SK: 'META', entityTypePk: 'LOCATION', entityTypeSk: 'loc-0' };
    const lastKey = { PK: 'LOC#loc-2', SK: 'META', entityTypePk: 'LOCATION', entityTypeSk: 'loc-2' };
    mock.on(QueryCommand).resolves({ Items: [{ PK: 'LOC#loc-1', SK: 'META', ...location }, other], LastEvaluatedKey: lastKey });

    // Act
    const page = await repository.list({ limit: 2, cursor: cursors.encode(previousKey, scope)! });

    // Assess
    expect({ page: { ...page, cursor: page.cursor && cursors.decode(page.cursor, scope) }, queries: queries() }).toEqual({
      page: { items: [location, other], cursor: lastKey },
      queries: [
        {
          TableName: table,
          IndexName: 'entities-by-type',
          KeyConditionExpression: 'entityTypePk = :type',
          ExpressionAttributeValues: { ':type': 'LOCATION' },
          Limit: 2,
          ExclusiveStartKey: previousKey,
        },
      ],
    });
  });

  it('refuses a cursor from another listing without reading', async () => {
    // Prepare
    const parcelsCursor = cursors.encode({ PK: 'PARCEL#p-1', SK: 'META', entityTypePk: 'PARCEL', entityTypeSk: 'p-1' }, 'entities-by-type\nPARCEL')!;

    // Act
    const attempt = repository.list({ limit: 25, cursor: parcelsCursor });

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(queries()).toEqual([]);
  });

  it('counts the free slots of several locations in online lockers, with one range read per shard holding one of them and one of their lockers', async () => {
    // Prepare: three locations in three shards; loc-ab (not asked for) shares loc-a's and falls in the range; loc-a's locker B is offline.
    const ids = ['loc-c', 'loc-a', 'loc-b'];
    const shards = [...new Set(ids.map((id) => shardOf(id, 4)))].sort();
    const lockerOf = (locationId: string, lockerId: string, online: boolean) => ({ ...lockerItem, PK: `LOC#${locationId}`, SK: `LOCKER#${lockerId}`, locationId, lockerId, online });
    const free = (locationId: string, size: string, lockerId: string) => ({ locationId, size, locationFreeSk: `${locationId}#${size}#${lockerId}#01` });
    mock.on(QueryCommand).callsFake((input: { IndexName: string; ExpressionAttributeValues: Record<string, string> }) => ({
      Items:
        input.IndexName === 'entities-by-type'
          ? [lockerOf('loc-a', 'A', true), lockerOf('loc-a', 'B', false), lockerOf('loc-ab', 'A', true)]
          : input.ExpressionAttributeValues[':pk'] === `FREESLOTS#${shardOf('loc-a', 4)}`
            ? [free('loc-a', 'S', 'A'), free('loc-a', 'L', 'A'), free('loc-a', 'M', 'B'), free('loc-ab', 'M', 'A')]
            : [],
    }));

    // Act
    const counts = await repository.freeCountsOf(ids);

    // Assess
    const sent = queries().map((query) => ({ ...query, ExpressionAttributeValues: query.ExpressionAttributeValues as Record<string, string> }));
    const order = (query: (typeof sent)[number]) => `${query.IndexName}${query.ExpressionAttributeValues[':pk'] ?? ''}`;
    expect({
      counts: Object.fromEntries(counts),
      queries: sent.sort((a, b) => order(a).localeCompare(order(b))),
    }).toEqual({
      counts: { 'loc-a': { S: 1, M: 0, L: 1 }, 'loc-b': { S: 0, M: 0, L: 0 }, 'loc-c': { S: 0, M: 0, L: 0 } },
      queries: [
        {
          TableName: table,
          IndexName: 'entities-by-type',
          KeyConditionExpression: 'entityTypePk = :type AND entityTypeSk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':type': 'LOCKER', ':from': 'loc-a#', ':to': 'loc-c#\uffff' },
          ExclusiveStartKey: undefined,
        },
        ...shards.map((shard) => ({
          TableName: table,
          IndexName: 'free-slots-by-location',
          KeyConditionExpression: 'locationFreePk = :pk AND locationFreeSk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': `FREESLOTS#${shard}`, ':from': 'loc-a#', ':to': 'loc-c#\uffff' },
          ExclusiveStartKey: undefined,
        })),
      ],
    });
  });

  it('reads the layout in one range from the lockers to the slots, following every page, and groups slots under their lockers', async () => {
    // Prepare
    const lockerB: Locker = { ...locker, lockerId: 'B', thingName: 'loc-1:B', slotIds: ['01'] };
    const slotB = newSlot({ locationId: 'loc-1', lockerId: 'B', slotId: '01', size: 'M' });
    mock
      .on(QueryCommand)
      .resolvesOnce({
        Items: [lockerItem, { ...lockerItem, SK: 'LOCKER#B', ...lockerB }, { PK: 'LOC#loc-1', SK: 'META', ...location }],
        LastEvaluatedKey: { PK: 'LOC#loc-1', SK: 'META' },
      })
      .resolvesOnce({ Items: [slotItem(slots[0]!, { freeSlotPk: 'FREE#loc-1', freeSlotSk: '0S#A#01' }), slotItem(occupied), slotItem(slotB)] });

    // Act
    const layout = await repository.layout('loc-1');

    // Assess
    const range = {
      TableName: table,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': 'LOC#loc-1', ':from': 'LOCKER#', ':to': 'SLOT#\uffff' },
    };
    expect({ layout, queries: queries() }).toEqual({
      layout: { lockers: [{ ...locker, slots: [slots[0], occupied] }, { ...lockerB, slots: [slotB] }] },
      queries: [
        { ...range, ExclusiveStartKey: undefined },
        { ...range, ExclusiveStartKey: { PK: 'LOC#loc-1', SK: 'META' } },
      ],
    });
  });

  it('lists the lockers of a location without their slots', async () => {
    // Prepare
    mock.on(QueryCommand).resolves({ Items: [lockerItem] });

    // Act
    const lockers = await repository.lockers('loc-1');

    // Assess
    expect({ lockers, queries: queries() }).toEqual({
      lockers: [locker],
      queries: [
        {
          TableName: table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': 'LOC#loc-1', ':prefix': 'LOCKER#' },
          ExclusiveStartKey: undefined,
        },
      ],
    });
  });

  it('reads one locker consistently', async () => {
    // Prepare
    mock.on(GetCommand).resolves({ Item: lockerItem });

    // Act
    const read = await repository.getLocker('loc-1', 'A');

    // Assess
    expect({ read, input: mock.commandCalls(GetCommand)[0]?.args[0].input }).toEqual({
      read: locker,
      input: { TableName: table, Key: { PK: 'LOC#loc-1', SK: 'LOCKER#A' }, ConsistentRead: true },
    });
  });

  it('counts free slots per size from the free-slot index, in online lockers only', async () => {
    // Prepare: locker A is online, B offline.
    const freeIn = (size: string, lockerId: string) => ({ size, freeSlotSk: `0${size}#${lockerId}#01`, lockerId });
    mock.on(QueryCommand).callsFake((input: { IndexName?: string }) => ({
      Items:
        input.IndexName === 'free-slots'
          ? [freeIn('S', 'A'), freeIn('L', 'A'), freeIn('L', 'A'), freeIn('M', 'B')]
          : [{ ...lockerItem, online: true }, { ...lockerItem, SK: 'LOCKER#B', lockerId: 'B', online: false }],
    }));

    // Act
    const counts = await repository.freeCounts('loc-1');

    // Assess
    expect({ counts, queries: queries() }).toEqual({
      counts: { S: 1, M: 0, L: 2 },
      queries: [
        { TableName: table, IndexName: 'free-slots', KeyConditionExpression: 'freeSlotPk = :pk', ExpressionAttributeValues: { ':pk': 'FREE#loc-1' }, ExclusiveStartKey: undefined },
        {
          TableName: table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': 'LOC#loc-1', ':prefix': 'LOCKER#' },
          ExclusiveStartKey: undefined,
        },
      ],
    });
  });

  it('reads one slot consistently, without its index keys', async () => {
    // Prepare
    const depositing: Slot = {
      ...occupied,
      command: { commandId: 'cmd-1', reason: 'DEPOSIT', parcelId: 'p-1', expiresAt: '2026-11-22T10:00:30.000Z' },
      deadline: '2026-11-22T10:00:35.000Z',
    };
    mock.on(GetCommand).resolves({ Item: slotItem(depositing, { deadlinePk: 'DEADLINE#2', deadlineSk: '2026-11-22T10:00:35.000Z#loc-1#A#02' }) });

    // Act
    const read = await repository.getSlot({ locationId: 'loc-1', lockerId: 'A', slotId: '02' });

    // Assess
    expect({ read, input: mock.commandCalls(GetCommand)[0]?.args[0].input }).toEqual({
      read: depositing,
      input: { TableName: table, Key: { PK: 'LOC#loc-1', SK: 'SLOT#A#02' }, ConsistentRead: true },
    });
  });

  it('answers undefined for an unknown slot', async () => {
    // Prepare
    mock.on(GetCommand).resolves({});

    // Act
    const read = await repository.getSlot({ locationId: 'loc-1', lockerId: 'A', slotId: '09' });

    // Assess
    expect(read).toBeUndefined();
  });
});

describe('DynamoLocationRepository.findFreeSlots', () => {
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
    expect(queries()[0]).toEqual({
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

describe('DynamoLocationRepository.findFreeSlots skipping lockers', () => {
  const free = (lockerId: string, slotId: string) => ({ freeSlotPk: 'FREE#loc-1', freeSlotSk: `0S#${lockerId}#${slotId}`, lockerId, slotId, size: 'S' });

  it('filters the skipped lockers out in the read, with a page of 200 evaluated items', async () => {
    // Prepare
    mock.on(QueryCommand).resolves({ Items: [free('B', '01')], ScannedCount: 1 });

    // Act
    const slots = await repository.findFreeSlots('loc-1', 'S', ['A', 'C']);

    // Assess
    expect(queries()).toEqual([
      {
        TableName: table,
        IndexName: 'free-slots',
        KeyConditionExpression: 'freeSlotPk = :pk AND freeSlotSk >= :from',
        FilterExpression: 'NOT lockerId IN (:skip0, :skip1)',
        ExpressionAttributeValues: { ':pk': 'FREE#loc-1', ':from': '0', ':skip0': 'A', ':skip1': 'C' },
        Limit: 200,
      },
    ]);
    expect(slots).toEqual([{ locationId: 'loc-1', lockerId: 'B', slotId: '01', size: 'S' }]);
  });

  it('pages on past pages the filter emptied until the index ends', async () => {
    // Prepare
    const afterA = { freeSlotPk: 'FREE#loc-1', freeSlotSk: '0S#A#200', PK: 'LOC#loc-1', SK: 'SLOT#A#200' };
    mock
      .on(QueryCommand)
      .resolvesOnce({ Items: [], ScannedCount: 200, LastEvaluatedKey: afterA })
      .resolvesOnce({ Items: [free('B', '01')], ScannedCount: 31 });

    // Act
    const slots = await repository.findFreeSlots('loc-1', 'S', ['A']);

    // Assess
    expect(queries().map((query) => query.ExclusiveStartKey)).toEqual([undefined, afterA]);
    expect(slots).toEqual([{ locationId: 'loc-1', lockerId: 'B', slotId: '01', size: 'S' }]);
  });

  it('stops after 1,000 evaluated items however many pages are left', async () => {
    // Prepare
    mock.on(QueryCommand).resolves({ Items: [], ScannedCount: 200, LastEvaluatedKey: { freeSlotPk: 'FREE#loc-1', freeSlotSk: '0S#A#x', PK: 'LOC#loc-1', SK: 'SLOT#A#x' } });

    // Act
    const slots = await repository.findFreeSlots('loc-1', 'S', ['A']);

    // Assess
    expect(queries()).toHaveLength(5);
    expect(slots).toEqual([]);
  });

  it('stops once 25 candidates are kept, and answers no more than 25', async () => {
    // Prepare
    const kept = Array.from({ length: 20 }, (_, i) => free('B', String(i).padStart(2, '0')));
    mock.on(QueryCommand).resolves({ Items: kept, ScannedCount: 200, LastEvaluatedKey: { freeSlotPk: 'FREE#loc-1', freeSlotSk: '0S#B#19', PK: 'LOC#loc-1', SK: 'SLOT#B#19' } });

    // Act
    const slots = await repository.findFreeSlots('loc-1', 'S', ['A']);

    // Assess
    expect(queries()).toHaveLength(2);
    expect(slots).toHaveLength(25);
  });

  it('splits more than 100 skipped lockers into IN clauses of at most 100', async () => {
    // Prepare
    mock.on(QueryCommand).resolves({ Items: [], ScannedCount: 0 });
    const skipped = Array.from({ length: 101 }, (_, i) => `L${i}`);

    // Act
    await repository.findFreeSlots('loc-1', 'S', skipped);

    // Assess
    const [query] = queries();
    const names = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `:skip${from + i}`).join(', ');
    expect(query?.FilterExpression).toBe(`NOT lockerId IN (${names(0, 100)}) AND NOT lockerId IN (:skip100)`);
    expect(query?.ExpressionAttributeValues?.[':skip100']).toBe('L100');
  });
});

describe('DynamoLocationRepository.slotsDue', () => {
  const due = (slotId: string, deadline: string): Slot => ({ ...occupied, slotId, deadline });

  it('queries every deadline shard for deadlines up to now', async () => {
    // Prepare
    mock.on(QueryCommand).resolves({ Items: [] });

    // Act
    await repository.slotsDue(new Date('2026-11-22T10:05:00.000Z'), 50);

    // Assess
    expect(queries()).toEqual(
      [0, 1, 2, 3].map((shard) => ({
        TableName: table,
        IndexName: 'slots-by-deadline',
        KeyConditionExpression: 'deadlinePk = :pk AND deadlineSk <= :upTo',
        ExpressionAttributeValues: { ':pk': `DEADLINE#${shard}`, ':upTo': '2026-11-22T10:05:00.000Z\uffff' },
        Limit: 50,
      })),
    );
  });

  it('merges the shards oldest deadline first, keeps at most the limit, and strips index keys', async () => {
    // Prepare
    mock
      .on(QueryCommand)
      .resolves({ Items: [] })
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'DEADLINE#1' } }, false)
      .resolves({ Items: [slotItem(due('03', '2026-11-22T10:04:00.000Z'), { deadlinePk: 'DEADLINE#1', deadlineSk: 'x' })] })
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'DEADLINE#3' } }, false)
      .resolves({ Items: [slotItem(due('01', '2026-11-22T10:01:00.000Z')), slotItem(due('02', '2026-11-22T10:05:00.000Z'))] });

    // Act
    const slotsDue = await repository.slotsDue(new Date('2026-11-22T10:05:00.000Z'), 2);

    // Assess
    expect(slotsDue).toEqual([due('01', '2026-11-22T10:01:00.000Z'), due('03', '2026-11-22T10:04:00.000Z')]);
  });
});
