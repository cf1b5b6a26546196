import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { parcelKey } from '#shared/adapters/dynamodb/entities/parcel';
import { commandDocument } from '#shared/domain/door';
import { ConflictError, NotFoundError } from '#shared/domain/errors';
import { getLocation } from '#shared/use-cases/get-location';
import { getParcel } from '#shared/use-cases/get-parcel';
import { setSlotStatus } from '#shared/use-cases/set-slot-status';
import { cancelParcel } from '#shared/use-cases/release-parcel';
import { storeParcel } from '#shared/use-cases/store-parcel';
import { createLocalDynamoDbClient } from '#infra/local/dynamodb-local';
import { createTestTable, type TestTable } from '#test/helpers/dynamodb';
import { actors, buildDeps, CountingMetrics, itemsUnder, ScriptedCodes } from '#test/helpers/deps';
import { cycle, depositThroughDoor, doorOf, reportInTurn } from '#test/helpers/doors';
import { awsError, failCalls } from '#test/helpers/faults';
import { givenLocation } from '#test/helpers/fixtures';

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});

const occupiedSlots = async (deps: ReturnType<typeof buildDeps>, locationId: string) =>
  (await deps.locations.layout(locationId)).lockers.flatMap((locker) => locker.slots).filter((slot) => slot.occupancy === 'OCCUPIED');

describe('storing a parcel', () => {
  it('claims the smallest free slot that fits (best fit) and answers DEPOSITING with its door command', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1, M: 1, L: 1 });

    // Act
    const stored = await storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'M' });

    // Assess
    expect(stored).toEqual({
      parcelId: expect.any(String),
      status: 'DEPOSITING',
      locationId,
      lockerId: 'A',
      slotId: '02',
      slotSize: 'M',
      commandId: expect.any(String),
    });
  });

  it('commands the door of the claimed slot open for the deposit, with a 30-second deadline', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });

    // Act
    const stored = await storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' });

    // Assess
    const command = { lock: 'UNLOCKED', commandId: stored.commandId!, reason: 'DEPOSIT', expiresAt: Date.parse('2026-11-22T10:00:30.000Z') / 1000 } as const;
    expect(deps.doors.commands).toEqual([{ door: { locationId, lockerId: 'A', slotId: '01', size: 'S' }, command }]);
    expect(deps.doors.desired(doorOf(stored))).toEqual(commandDocument(command).state.desired);
  });

  it('takes the first slot that fits in door order with the first-available strategy', async () => {
    // Prepare
    const deps = buildDeps(table, { strategy: 'first-available' });
    const { locationId } = await givenLocation(deps, { S: 1, L: 1 });
    await setSlotStatus(deps, actors.admin, { locationId, lockerId: 'A', slotId: '01' }, 'OUT_OF_SERVICE');

    // Act
    const stored = await storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' });

    // Assess
    expect(stored.slotId).toBe('02');
    expect(stored.slotSize).toBe('L');
  });

  it('starts the location pickup window when the door closes on the parcel, not at the request', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 }, { pickupWindowHours: 24 });
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' });
    deps.clock.advanceSeconds(20);

    // Act
    await depositThroughDoor(deps, depositing);

    // Assess
    const view = await getParcel(deps, actors.carrier, depositing.parcelId);
    expect({ status: view.status, expiresAt: view.expiresAt, commandId: view.commandId }).toEqual({
      status: 'STORED',
      expiresAt: '2026-11-23T10:00:20.000Z',
      commandId: undefined,
    });
  });

  it('has no pickup window while the parcel is DEPOSITING', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });

    // Act
    const depositing = await storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' });

    // Assess
    const view = await getParcel(deps, actors.carrier, depositing.parcelId);
    expect(view).toMatchObject({ status: 'DEPOSITING', commandId: depositing.commandId });
    expect(view).not.toHaveProperty('expiresAt');
  });

  it('writes the parcel, the occupied slot, the code index entry and the audit event together', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['1234560000']) });
    const { locationId } = await givenLocation(deps, { S: 1 });

    // Act
    const stored = await storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' });

    // Assess
    const parcelItems = await itemsUnder(deps, table.tableName, parcelKey(stored.parcelId).PK);
    expect(parcelItems.map((item) => item.type ?? item.SK)).toEqual(['PARCEL_DEPOSITING', 'META']);
    expect(parcelItems.find((item) => item.SK === 'META')).not.toHaveProperty('pickupCode');
    expect(JSON.stringify(parcelItems)).not.toContain('1234560000');
    const [slot] = await occupiedSlots(deps, locationId);
    expect(slot).toEqual({
      locationId,
      lockerId: 'A',
      slotId: '01',
      size: 'S',
      occupancy: 'OCCUPIED',
      service: 'IN_SERVICE',
      parcelId: stored.parcelId,
      command: { commandId: stored.commandId, reason: 'DEPOSIT', parcelId: stored.parcelId, expiresAt: '2026-11-22T10:00:30.000Z' },
      deadline: '2026-11-22T10:00:35.000Z',
      version: 1,
    });
    expect(await deps.parcels.findByPickupCode(locationId, deps.vault.hash(locationId, '1234560000'))).toBe(stored.parcelId);
  });

  it('refuses an unknown location with LOCATION_NOT_FOUND', async () => {
    // Prepare
    const deps = buildDeps(table);

    // Act
    const attempt = storeParcel(deps, actors.carrier, { locationId: 'nowhere', recipientId: 'customer-1', size: 'S' });

    // Assess
    await expect(attempt).rejects.toThrow(new NotFoundError('LOCATION_NOT_FOUND', 'No such location'));
  });

  it('answers NO_SLOT_AVAILABLE when only smaller or out-of-service slots are free', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 2, M: 1 });
    await setSlotStatus(deps, actors.admin, { locationId, lockerId: 'A', slotId: '03' }, 'OUT_OF_SERVICE');

    // Act
    const attempt = storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'M' });

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'NO_SLOT_AVAILABLE' });
  });

  it('draws another code when the first collides with an active parcel at the location', async () => {
    // Prepare
    const deps = buildDeps(table, { codes: new ScriptedCodes(['1111110000', '1111110000', '2222220000']) });
    // One S and one M: best fit ranks the stale S slot first, so the lost claim happens on every run.
    const { locationId } = await givenLocation(deps, { S: 1, M: 1 });
    const first = await storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' });

    // Act
    const second = await storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' });

    // Assess
    expect(await deps.parcels.findByPickupCode(locationId, deps.vault.hash(locationId, '1111110000'))).toBe(first.parcelId);
    expect(await deps.parcels.findByPickupCode(locationId, deps.vault.hash(locationId, '2222220000'))).toBe(second.parcelId);
  });

  it('refuses a caller-chosen parcel id that already exists', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 2 });
    await storeParcel(deps, actors.carrier, { parcelId: 'dup-1', locationId, recipientId: 'customer-1', size: 'S' });

    // Act
    const attempt = storeParcel(deps, actors.carrier, { parcelId: 'dup-1', locationId, recipientId: 'customer-1', size: 'S' });

    // Assess
    await expect(attempt).rejects.toThrow(new ConflictError('PARCEL_EXISTS', 'A parcel with this id already exists'));
    expect(await occupiedSlots(deps, locationId)).toHaveLength(1);
  });
});

describe('idempotent stores', () => {
  it('returns the same parcel for the same key and body, and claims one slot', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 3 });
    const request = { locationId, recipientId: 'customer-1', size: 'S' as const, idempotencyKey: 'key-0001' };
    const first = await storeParcel(deps, actors.carrier, request);

    // Act
    const second = await storeParcel(deps, actors.carrier, request);

    // Assess: while the door has not opened, the replay writes the same command to it again.
    expect(second).toEqual(first);
    expect(await occupiedSlots(deps, locationId)).toHaveLength(1);
    expect(deps.doors.commands.map(({ command }) => command.commandId)).toEqual([first.commandId, first.commandId]);
  });

  it('answers a replay after the door closed with the parcel as it is now, STORED', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 3 });
    const request = { locationId, recipientId: 'customer-1', size: 'S' as const, idempotencyKey: 'key-0003' };
    const first = await storeParcel(deps, actors.carrier, request);
    await depositThroughDoor(deps, first);

    // Act
    const replay = await storeParcel(deps, actors.carrier, request);

    // Assess
    expect(replay).toEqual({
      parcelId: first.parcelId,
      status: 'STORED',
      locationId,
      lockerId: 'A',
      slotId: first.slotId,
      slotSize: 'S',
      expiresAt: '2026-11-25T10:00:00.000Z',
    });
    expect(deps.doors.commands).toHaveLength(1);
  });

  it('claims one slot when the same key arrives many times at once', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 5 });
    const request = { locationId, recipientId: 'customer-1', size: 'S' as const, idempotencyKey: 'key-burst-1' };

    // Act
    const results = await Promise.all(Array.from({ length: 8 }, () => storeParcel(deps, actors.carrier, request)));

    // Assess
    expect(new Set(results.map((result) => result.parcelId)).size).toBe(1);
    expect(await occupiedSlots(deps, locationId)).toHaveLength(1);
    expect(new Set(deps.doors.commands.map(({ command }) => command.commandId))).toEqual(new Set([results[0]!.commandId]));
  });

  it('takes the deposit command back out of the door when a replay resends it just as a cancel ends it', async () => {
    // Prepare: the replay has read the command as waiting; the cancel commits and clears the
    // shadow before the replay's write lands.
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const request = { locationId, recipientId: 'customer-1', size: 'S' as const, idempotencyKey: 'key-race-cancel' };
    const first = await storeParcel(deps, actors.carrier, request);
    const write = deps.doors.command.bind(deps.doors);
    deps.doors.command = async (door, command) => {
      deps.doors.command = write;
      await cancelParcel(deps, actors.carrier, first.parcelId);
      await write(door, command);
    };

    // Act
    const replay = await storeParcel(deps, actors.carrier, request);

    // Assess
    expect(replay.parcelId).toBe(first.parcelId);
    expect((await deps.parcels.get(first.parcelId))?.status).toBe('CANCELLED');
    expect(deps.doors.desired(doorOf(first))).toBeUndefined();
  });

  it('does not write the deposit command again once its door has opened', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const request = { locationId, recipientId: 'customer-1', size: 'S' as const, idempotencyKey: 'key-door-open' };
    const first = await storeParcel(deps, actors.carrier, request);
    await reportInTurn(deps, doorOf(first), cycle(first.commandId!).slice(0, 2));

    // Act
    const replay = await storeParcel(deps, actors.carrier, request);

    // Assess
    expect(replay).toMatchObject({ parcelId: first.parcelId, status: 'DEPOSITING' });
    expect(deps.doors.commands.map(({ command }) => command.commandId)).toEqual([first.commandId]);
  });

  it('refuses the same key with a different body', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1, M: 1 });
    await storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S', idempotencyKey: 'key-0002' });

    // Act
    const attempt = storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'M', idempotencyKey: 'key-0002' });

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('keeps keys of different carriers apart', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 2 });
    const request = { locationId, recipientId: 'customer-1', size: 'S' as const, idempotencyKey: 'shared-key' };
    const first = await storeParcel(deps, actors.carrier, request);

    // Act
    const second = await storeParcel(deps, actors.otherCarrier, request);

    // Assess
    expect(second.parcelId).not.toBe(first.parcelId);
  });
});

describe('storing under contention and faults', () => {
  it('gives 40 concurrent stores into 6 slots exactly 6 successes and never one slot twice', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 2, M: 2, L: 2 });

    // Act
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => storeParcel(deps, actors.carrier, { locationId, recipientId: `customer-${i}`, size: 'S' })),
    );

    // Assess
    const stored = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const refusals = results.flatMap((result) => (result.status === 'rejected' ? [(result.reason as ConflictError).code] : []));
    expect(stored).toHaveLength(6);
    expect(refusals).toEqual(Array.from({ length: 34 }, () => 'NO_SLOT_AVAILABLE'));
    expect(new Set(stored.map((parcel) => `${parcel.lockerId}/${parcel.slotId}`)).size).toBe(6);
    const occupied = await occupiedSlots(deps, locationId);
    expect(occupied.map((slot) => slot.parcelId).sort()).toEqual(stored.map((parcel) => parcel.parcelId).sort());
    expect(deps.doors.commands.map(({ command }) => command.commandId).sort()).toEqual(stored.map((parcel) => parcel.commandId).sort());
  });

  it('counts each slot claim lost to a concurrent store, and each parcel stored once its door closed', async () => {
    // Prepare: the second store is offered the slot the first one has just taken, as a stale index read would.
    const metrics = new CountingMetrics();
    const deps = buildDeps(table, { metrics });
    // One S and one M: best fit ranks the stale S slot first, so the lost claim happens on every run.
    const { locationId } = await givenLocation(deps, { S: 1, M: 1 });
    const first = await storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' });
    const taken = { locationId, lockerId: first.lockerId, slotId: first.slotId, size: 'S' as const };
    const locations = deps.locations;
    const stale = { ...deps, locations: Object.assign(Object.create(locations) as typeof locations, { findFreeSlots: async () => [taken, ...(await locations.findFreeSlots(locationId, 'S'))] }) };

    // Act
    const second = await storeParcel(stale, actors.carrier, { locationId, recipientId: 'customer-2', size: 'S' });
    const beforeDoors = Object.fromEntries(metrics.counts);
    await depositThroughDoor(deps, first);
    await depositThroughDoor(deps, second);

    // Assess
    expect({ first: first.slotSize, second: second.slotSize }).toEqual({ first: 'S', second: 'M' });
    expect(beforeDoors).toEqual({ SlotClaimLost: 1 });
    expect(Object.fromEntries(metrics.counts)).toEqual({ ParcelStored: 2, SlotClaimLost: 1 });
  });

  it('retries the same slot after a transaction conflict and ends with one parcel in one slot', async () => {
    // Prepare
    const client = createLocalDynamoDbClient(table.endpoint);
    const faults = failCalls(client, {
      command: 'TransactWriteItemsCommand',
      times: 2,
      error: () =>
        new TransactionCanceledException({
          message: 'Transaction cancelled (injected)',
          $metadata: {},
          CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }, { Code: 'None' }, { Code: 'None' }],
        }),
    });
    const deps = buildDeps(table, { client });
    const { locationId } = await givenLocation(buildDeps(table), { S: 2 });

    // Act
    const stored = await storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' });

    // Assess
    expect(faults.injected()).toBe(2);
    const occupied = await occupiedSlots(deps, locationId);
    expect(occupied.map((slot) => [slot.slotId, slot.parcelId])).toEqual([[stored.slotId, stored.parcelId]]);
  });

  it('rides out throttling through the SDK retries and ends with one parcel in one slot', async () => {
    // Prepare
    const client = createLocalDynamoDbClient(table.endpoint);
    const faults = failCalls(client, { command: 'TransactWriteItemsCommand', times: 2, error: () => awsError('ThrottlingException') });
    const deps = buildDeps(table, { client });
    const { locationId } = await givenLocation(buildDeps(table), { S: 2 });

    // Act
    const stored = await storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' });

    // Assess
    expect(faults.injected()).toBe(2);
    const occupied = await occupiedSlots(deps, locationId);
    expect(occupied.map((slot) => slot.parcelId)).toEqual([stored.parcelId]);
  });

  it('stores once when the response to a committed claim is lost and the SDK retries it', async () => {
    // Prepare
    const client = createLocalDynamoDbClient(table.endpoint);
    const faults = failCalls(client, {
      command: 'TransactWriteItemsCommand',
      times: 1,
      afterSending: true,
      error: () => awsError('TimeoutError'),
    });
    const deps = buildDeps(table, { client });
    const { locationId } = await givenLocation(buildDeps(table), { S: 2 });

    // Act
    const stored = await storeParcel(deps, actors.carrier, { locationId, recipientId: 'customer-1', size: 'S' });

    // Assess
    expect(faults.injected()).toBe(1);
    const occupied = await occupiedSlots(deps, locationId);
    expect(occupied.map((slot) => slot.parcelId)).toEqual([stored.parcelId]);
    const view = await getLocation(deps, actors.admin, locationId);
    expect(view.freeSlots).toEqual({ S: 1, M: 0, L: 0 });
    expect(deps.doors.commands.map(({ command }) => command.commandId)).toEqual([stored.commandId]);
  });
});
