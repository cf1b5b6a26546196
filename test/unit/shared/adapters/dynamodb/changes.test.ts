import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoChangeWriter } from '#shared/adapters/dynamodb/changes';
import { createDocumentClient } from '#shared/adapters/dynamodb/client';
import { parcelItem } from '#shared/adapters/dynamodb/entities/parcel';
import { UnavailableError } from '#shared/domain/errors';
import type { AuditEvent } from '#shared/domain/events';
import type { ActiveCommand, Slot } from '#shared/domain/slot';
import type { Change, StoredParcel } from '#shared/ports';

const table = 'locker-table';
const mock = mockClient(DynamoDBDocumentClient);
const writer = new DynamoChangeWriter(createDocumentClient(new DynamoDBClient({ region: 'eu-west-1' })), table);

const command: ActiveCommand = { commandId: 'cmd-1', reason: 'DEPOSIT', parcelId: 'p-1', expiresAt: '2026-11-22T10:00:30.000Z' };

/** What a store decides: a DEPOSITING parcel, not yet written (version 0). */
const depositing: StoredParcel = {
  parcelId: 'p-1',
  locationId: 'loc-1',
  lockerId: 'A',
  slotId: '02',
  slotSize: 'M',
  size: 'S',
  recipientId: 'cust-1',
  carrierId: 'carrier-1',
  status: 'DEPOSITING',
  createdAt: '2026-11-22T10:00:00.000Z',
  updatedAt: '2026-11-22T10:00:00.000Z',
  pickupWindowHours: 72,
  commandId: 'cmd-1',
  failedAttempts: 0,
  version: 0,
  pickupCodeHash: 'hash-1',
  sealedPickupCode: 'sealed-1',
  idempotencyKey: 'key-1',
};

/** The same parcel as read back once its door closed on it. */
const stored: StoredParcel = (({ commandId: _done, ...rest }) => ({
  ...rest,
  status: 'STORED' as const,
  updatedAt: '2026-11-22T10:01:00.000Z',
  expiresAt: '2026-11-25T10:01:00.000Z',
  version: 3,
}))(depositing);

const event = (fields: Partial<AuditEvent> = {}): AuditEvent => ({
  eventId: 'evt-1',
  type: 'PARCEL_DEPOSITING',
  at: '2026-11-22T10:00:00.000Z',
  actor: { sub: 'carrier-1', role: 'carrier' },
  locationId: 'loc-1',
  lockerId: 'A',
  slotId: '02',
  parcelId: 'p-1',
  ...fields,
});
const eventPut = (e: AuditEvent) => ({ Put: { TableName: table, Item: { PK: `PARCEL#${String(e.parcelId)}`, SK: `EVT#${e.at}#${e.eventId}`, entity: 'EVENT', ...e } } });

const storeChange: Change = {
  parcel: { next: depositing },
  claim: { slot: { locationId: 'loc-1', lockerId: 'A', slotId: '02', size: 'M' }, parcelId: 'p-1', command, deadline: '2026-11-22T10:00:35.000Z' },
  idempotency: { ownerSub: 'carrier-1', key: 'key-1', requestHash: 'request-hash', at: new Date('2026-11-22T10:00:00.000Z'), expiresAt: new Date('2026-11-23T10:00:00.900Z') },
  events: [event({ to: 'DEPOSITING', commandId: 'cmd-1' })],
  requestToken: 'p-1\nA\n02\nhash-1',
};

/** A slot holding the STORED parcel, and the same slot once the parcel left it. */
const occupied: Slot = { locationId: 'loc-1', lockerId: 'A', slotId: '02', size: 'M', occupancy: 'OCCUPIED', service: 'IN_SERVICE', parcelId: 'p-1', version: 4 };
const emptied: Slot = { locationId: 'loc-1', lockerId: 'A', slotId: '02', size: 'M', occupancy: 'FREE', service: 'IN_SERVICE', version: 5 };

const cancelChange: Change = {
  parcel: { previous: stored, next: (({ pickupCodeHash: _h, sealedPickupCode: _s, ...rest }) => ({ ...rest, status: 'CANCELLED' as const }))(stored) },
  slots: [{ previous: occupied, next: emptied }],
  events: [event({ eventId: 'evt-2', type: 'PARCEL_CANCELLED', at: '2026-11-23T08:00:00.000Z', from: 'STORED', to: 'CANCELLED' })],
};

const reissueChange: Change = {
  parcel: { previous: stored, next: { ...stored, pickupCodeHash: 'hash-2', sealedPickupCode: 'sealed-2' } },
  events: [event({ eventId: 'evt-3', type: 'PICKUP_CODE_REISSUED', at: '2026-11-23T08:00:00.000Z' })],
};

const sent = (call = 0) => mock.commandCalls(TransactWriteCommand)[call]?.args[0].input;
const sentItems = (call = 0) => sent(call)?.TransactItems ?? [];

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

beforeEach(() => {
  mock.reset();
  // transact backs off randomly between conflict retries: no waiting in unit tests.
  vi.spyOn(Math, 'random').mockReturnValue(0);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('DynamoChangeWriter.commit: storing a parcel', () => {
  it('creates the parcel at version 1, its code entry, claims the slot, records the key and the event in one transaction', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    const outcome = await writer.commit(storeChange);

    // Assess
    expect({ outcome, items: sentItems() }).toEqual({
      outcome: 'committed',
      items: [
        {
          Put: {
            TableName: table,
            Item: {
              PK: 'PARCEL#p-1',
              SK: 'META',
              entity: 'PARCEL',
              ...depositing,
              version: 1,
              recipientPk: 'USER#cust-1',
              recipientSk: '2026-11-22T10:00:00.000Z#p-1',
              locationPk: 'LOC#loc-1',
              locationSk: '2026-11-22T10:00:00.000Z#p-1',
              entityTypePk: 'PARCEL',
              entityTypeSk: '2026-11-22T10:00:00.000Z#p-1',
            },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        {
          Put: {
            TableName: table,
            Item: { PK: 'LOC#loc-1#CODE#hash-1', SK: 'CODE', entity: 'CODE', parcelId: 'p-1' },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        {
          Update: {
            TableName: table,
            Key: { PK: 'LOC#loc-1', SK: 'SLOT#A#02' },
            ConditionExpression: 'attribute_exists(freeSlotPk)',
            UpdateExpression:
              'SET occupancy = :occupied, parcelId = :parcelId, #command = :command, deadline = :deadline, deadlinePk = :deadlinePk, deadlineSk = :deadlineSk, #status = :status ADD version :one REMOVE freeSlotPk, freeSlotSk, locationFreePk, locationFreeSk',
            ExpressionAttributeNames: { '#command': 'command', '#status': 'status' },
            ExpressionAttributeValues: {
              ':occupied': 'OCCUPIED',
              ':parcelId': 'p-1',
              ':command': command,
              ':deadline': '2026-11-22T10:00:35.000Z',
              ':deadlinePk': 'DEADLINE#2',
              ':deadlineSk': '2026-11-22T10:00:35.000Z#loc-1#A#02',
              ':status': 'OCCUPIED',
              ':one': 1,
            },
          },
        },
        {
          Put: {
            TableName: table,
            Item: { PK: 'IDEMPOTENCY#carrier-1#key-1', SK: 'IDEMPOTENCY', entity: 'IDEMPOTENCY', parcelId: 'p-1', requestHash: 'request-hash', ttl: 1_795_428_000 },
            // A refusal recorded under the key stands until its time has passed, whatever TTL has done.
            ConditionExpression: 'attribute_not_exists(PK) OR refusedUntil < :at',
            ExpressionAttributeValues: { ':at': '2026-11-22T10:00:00.000Z' },
          },
        },
        eventPut(storeChange.events[0]!),
      ],
    });
  });

  it('stamps a new parcel version 1 whatever version the decided parcel carries', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await writer.commit({ ...storeChange, parcel: { next: { ...depositing, version: 7 } } });

    // Assess
    expect(sentItems()[0]?.Put?.Item?.version).toBe(1);
  });

  it('sends the same request token for the same change, and a different one for another claim', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await writer.commit(storeChange);
    await writer.commit(storeChange);
    await writer.commit({ ...storeChange, requestToken: 'p-1\nA\n03\nhash-1' });

    // Assess
    const tokens = [0, 1, 2].map((call) => sent(call)?.ClientRequestToken);
    expect({ sameChange: tokens[0] === tokens[1], otherClaim: tokens[2] !== tokens[0] }).toEqual({ sameChange: true, otherClaim: true });
  });

  it('derives a token DynamoDB accepts: at most 36 characters of base64url', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await writer.commit({ ...storeChange, requestToken: 'x'.repeat(500) });

    // Assess
    expect(sent()?.ClientRequestToken).toMatch(/^[A-Za-z0-9_-]{1,36}$/);
  });

  it('sends no request token for a change without one', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await writer.commit(cancelChange);

    // Assess
    expect(sent()).not.toHaveProperty('ClientRequestToken');
  });
});

describe('DynamoChangeWriter.commit: changing a parcel and its slot', () => {
  it('replaces the parcel and the slot each on the version it was read at, drops the code entry and appends the event', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await writer.commit(cancelChange);

    // Assess
    expect(sent()).toEqual({
      TransactItems: [
        {
          Put: {
            TableName: table,
            Item: parcelItem({ ...cancelChange.parcel!.next, version: 4 }),
            ConditionExpression: 'version = :version',
            ExpressionAttributeValues: { ':version': 3 },
          },
        },
        { Delete: { TableName: table, Key: { PK: 'LOC#loc-1#CODE#hash-1', SK: 'CODE' } } },
        {
          Put: {
            TableName: table,
            Item: {
              PK: 'LOC#loc-1',
              SK: 'SLOT#A#02',
              entity: 'SLOT',
              ...emptied,
              status: 'FREE',
              freeSlotPk: 'FREE#loc-1',
              freeSlotSk: '1M#A#02',
              locationFreePk: 'FREESLOTS#3',
              locationFreeSk: 'loc-1#M#A#02',
            },
            ConditionExpression: 'version = :version',
            ExpressionAttributeValues: { ':version': 4 },
          },
        },
        eventPut(cancelChange.events[0]!),
      ],
    });
  });

  it('stamps the parcel with the version after the one it read, whatever version the decided parcel carries', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await writer.commit({ ...cancelChange, parcel: { previous: stored, next: { ...cancelChange.parcel!.next, version: 3 } } });

    // Assess
    expect(sentItems()[0]?.Put?.Item?.version).toBe(4);
  });

  it('writes a slot with a deadline under the deadline index and without the free-slot keys', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});
    const collecting: Slot = { ...occupied, command: { ...command, reason: 'PICKUP' }, deadline: '2026-11-22T10:00:35.000Z', version: 5 };

    // Act
    await writer.commit({ slots: [{ previous: occupied, next: collecting }], events: [] });

    // Assess
    expect(sentItems()).toEqual([
      {
        Put: {
          TableName: table,
          Item: {
            PK: 'LOC#loc-1',
            SK: 'SLOT#A#02',
            entity: 'SLOT',
            ...collecting,
            status: 'OCCUPIED',
            deadlinePk: 'DEADLINE#2',
            deadlineSk: '2026-11-22T10:00:35.000Z#loc-1#A#02',
          },
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: { ':version': 4 },
        },
      },
    ]);
  });

  it('swaps the code entry when the code changes: creates the new one only if absent and deletes the old one', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await writer.commit(reissueChange);

    // Assess
    expect(sentItems().slice(1)).toEqual([
      {
        Put: {
          TableName: table,
          Item: { PK: 'LOC#loc-1#CODE#hash-2', SK: 'CODE', entity: 'CODE', parcelId: 'p-1' },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      { Delete: { TableName: table, Key: { PK: 'LOC#loc-1#CODE#hash-1', SK: 'CODE' } } },
      eventPut(reissueChange.events[0]!),
    ]);
  });

  it('leaves the code entry alone while the code stays the same', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});
    const collecting: StoredParcel = { ...stored, status: 'COLLECTING', commandId: 'cmd-2' };

    // Act
    await writer.commit({ parcel: { previous: stored, next: collecting }, events: [event({ type: 'PARCEL_COLLECTING' })] });

    // Assess
    expect(sentItems().map((item) => item.Put?.Item?.PK ?? item.Delete?.Key?.PK)).toEqual(['PARCEL#p-1', 'PARCEL#p-1']);
  });

  it('appends every event of the change after the items, in order', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});
    const events = [event({ eventId: 'evt-a', type: 'DOOR_REPORTED' }), event({ eventId: 'evt-b', type: 'PARCEL_MOVED' })];

    // Act
    await writer.commit({ ...cancelChange, events });

    // Assess
    expect(sentItems().slice(-2)).toEqual(events.map(eventPut));
  });
});

describe('DynamoChangeWriter.commit: which part refused', () => {
  // storeChange:  [parcel, code, claim, idempotency, event]
  // cancelChange: [parcel, code delete, slot, event]
  // moveChange:   [parcel, slot, claim, event]
  const moveChange: Change = {
    parcel: { previous: { ...depositing, version: 1 }, next: { ...depositing, slotId: '03', commandId: 'cmd-2' } },
    slots: [{ previous: { ...occupied, command }, next: { ...emptied, fault: 'DID_NOT_OPEN', service: 'OUT_OF_SERVICE' } }],
    claim: { slot: { locationId: 'loc-1', lockerId: 'A', slotId: '03', size: 'M' }, parcelId: 'p-1', command: { ...command, commandId: 'cmd-2' }, deadline: '2026-11-22T10:01:35.000Z' },
    events: [event({ type: 'PARCEL_MOVED' })],
  };

  it.each<{ why: string; change: Change; reasons: string[]; outcome: string }>([
    { why: 'a parcel with this id exists', change: storeChange, reasons: ['ConditionalCheckFailed', 'None', 'None', 'None', 'None'], outcome: 'parcel-exists' },
    { why: 'an active parcel here has this code', change: storeChange, reasons: ['None', 'ConditionalCheckFailed', 'None', 'None', 'None'], outcome: 'code-taken' },
    { why: 'the slot is no longer free', change: storeChange, reasons: ['None', 'None', 'ConditionalCheckFailed', 'None', 'None'], outcome: 'slot-taken' },
    { why: 'the idempotency key was used', change: storeChange, reasons: ['None', 'None', 'None', 'ConditionalCheckFailed', 'None'], outcome: 'idempotency-key-taken' },
    { why: 'the parcel changed since it was read', change: cancelChange, reasons: ['ConditionalCheckFailed', 'None', 'None', 'None'], outcome: 'stale' },
    { why: 'the slot changed since it was read', change: cancelChange, reasons: ['None', 'None', 'ConditionalCheckFailed', 'None'], outcome: 'stale' },
    { why: 'the new code is taken', change: reissueChange, reasons: ['None', 'ConditionalCheckFailed', 'None', 'None'], outcome: 'code-taken' },
    { why: 'only the claimed slot of a move is taken', change: moveChange, reasons: ['None', 'None', 'ConditionalCheckFailed', 'None'], outcome: 'slot-taken' },
    { why: 'the slot being left changed as well as the claimed one', change: moveChange, reasons: ['None', 'ConditionalCheckFailed', 'ConditionalCheckFailed', 'None'], outcome: 'stale' },
  ])('answers $outcome when $why', async ({ change, reasons, outcome }) => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled(...reasons));

    // Act
    const answer = await writer.commit(change);

    // Assess
    expect(answer).toBe(outcome);
  });

  it('answers idempotency-key-taken, not parcel-exists, when a concurrent request with the same key and parcel id won', async () => {
    // Prepare: a carrier retried while its first request was still running; the winner wrote both.
    mock.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None', 'ConditionalCheckFailed', 'None'));

    // Act
    const answer = await writer.commit(storeChange);

    // Assess: only the idempotency record tells the use case to replay the winner's answer.
    expect(answer).toBe('idempotency-key-taken');
  });

  it('answers stale when a transaction conflict outlasts the three attempts', async () => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'TransactionConflict', 'None'));

    // Act
    const answer = await writer.commit(cancelChange);

    // Assess
    expect({ answer, attempts: mock.commandCalls(TransactWriteCommand).length }).toEqual({ answer: 'stale', attempts: 3 });
  });

  it('commits when a transaction conflict clears on a retry', async () => {
    // Prepare
    mock.on(TransactWriteCommand).rejectsOnce(cancelled('TransactionConflict', 'None', 'None', 'None')).resolves({});

    // Act
    const answer = await writer.commit(cancelChange);

    // Assess
    expect({ answer, attempts: mock.commandCalls(TransactWriteCommand).length }).toEqual({ answer: 'committed', attempts: 2 });
  });

  it('throws, naming the reasons, when no part it knows refused', async () => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'ValidationError', 'None'));

    // Act
    const committing = writer.commit(cancelChange);

    // Assess
    await expect(committing).rejects.toThrow('Transaction refused: None,None,ValidationError,None');
  });

  it.each(['ThrottlingError', 'ProvisionedThroughputExceeded'])('answers TRY_AGAIN, nothing written, when a part was refused with %s', async (reason) => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled('None', reason, 'None', 'None'));

    // Act
    const committing = writer.commit(cancelChange);

    // Assess
    await expect(committing).rejects.toThrow(new UnavailableError('The table is busy; nothing was changed, try again'));
  });

  it('lets any other error through', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    mock.on(TransactWriteCommand).rejects(throttled);

    // Act
    const committing = writer.commit(cancelChange);

    // Assess
    await expect(committing).rejects.toBe(throttled);
  });
});
