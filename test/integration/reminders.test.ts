import { beforeAll, describe, expect, it } from 'vitest';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { parcelKey } from '#shared/adapters/dynamodb/entities/parcel';
import { expireParcels } from '#shared/use-cases/expire-parcels';
import { sendReminders } from '#shared/use-cases/send-reminders';
import { createTestTable, type TestTable } from '#test/helpers/dynamodb';
import { actors, buildDeps, itemsUnder, type TestDeps } from '#test/helpers/deps';
import { storeThroughDoor } from '#test/helpers/doors';
import { givenLocation } from '#test/helpers/fixtures';

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});

const remindersOf = async (deps: TestDeps, parcelId: string) =>
  (await itemsUnder(deps, deps.tableName, parcelKey(parcelId).PK)).filter((item) => item.entity === 'EVENT' && item.type === 'PARCEL_REMINDER_DUE');

async function givenStoredParcel(deps: TestDeps, options: { reminderHoursBefore?: number } = {}) {
  const { locationId } = options.reminderHoursBefore === undefined ? await givenLocation(deps, { S: 2 }) : await givenLocationWithLead(deps, options.reminderHoursBefore);
  return storeThroughDoor(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
}

async function givenLocationWithLead(deps: TestDeps, hours: number) {
  const { locationId } = await givenLocation(deps, { S: 2 });
  // The location entity keeps the lead time as the create-location route would write it.
  await deps.documentClient.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: { PK: `LOC#${locationId}`, SK: 'META' },
      UpdateExpression: 'SET reminderHoursBefore = :hours',
      ExpressionAttributeValues: { ':hours': hours },
    }),
  );
  return { locationId };
}

describe('the reminder sweep', () => {
  it('reminds a parcel 24 hours before its deadline, once, however often it runs', async () => {
    // Prepare: a 72-hour pickup window.
    const deps = buildDeps(table);
    const parcel = await givenStoredParcel(deps);

    // Act
    deps.clock.advanceHours(47);
    await sendReminders(deps);
    const before = (await remindersOf(deps, parcel.parcelId)).length;
    deps.clock.advanceHours(1);
    await sendReminders(deps);
    await sendReminders(deps);
    deps.clock.advanceHours(1);
    await sendReminders(deps);

    // Assess
    const reminders = await remindersOf(deps, parcel.parcelId);
    expect({ before, after: reminders.length }).toEqual({ before: 0, after: 1 });
    expect(reminders[0]).toMatchObject({ parcelId: parcel.parcelId, locationId: parcel.locationId, lockerId: parcel.lockerId, slotId: parcel.slotId });
    expect((await deps.parcels.get(parcel.parcelId))?.remindedAt).toBe(reminders[0]!.at);
  });

  it('reminds once when two sweeps overlap', async () => {
    // Prepare
    const deps = buildDeps(table);
    const parcel = await givenStoredParcel(deps);
    deps.clock.advanceHours(50);

    // Act
    await Promise.all([sendReminders(deps), sendReminders(deps), sendReminders(deps)]);

    // Assess
    expect(await remindersOf(deps, parcel.parcelId)).toHaveLength(1);
  });

  it("follows the location's own lead time", async () => {
    // Prepare
    const deps = buildDeps(table);
    const parcel = await givenStoredParcel(deps, { reminderHoursBefore: 6 });

    // Act
    deps.clock.advanceHours(65);
    await sendReminders(deps);
    const at65 = (await remindersOf(deps, parcel.parcelId)).length;
    deps.clock.advanceHours(1);
    await sendReminders(deps);

    // Assess
    expect({ at65, at66: (await remindersOf(deps, parcel.parcelId)).length }).toEqual({ at65: 0, at66: 1 });
  });

  it('does not remind a parcel that has expired', async () => {
    // Prepare
    const deps = buildDeps(table);
    const parcel = await givenStoredParcel(deps);
    deps.clock.advanceHours(73);
    await expireParcels(deps);

    // Act
    await sendReminders(deps);

    // Assess
    expect(await remindersOf(deps, parcel.parcelId)).toHaveLength(0);
  });
});
