import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { eventItem } from '#shared/adapters/dynamodb/entities/event';
import type { AuditEvent } from '#shared/domain/events';
import { manifest } from '#shared/manifest';
import type { SendLease } from '#shared/ports';
import { notifyRecords } from '#functions/streams/notify';
import { actors, buildDeps, ScriptedCodes, type TestDeps } from '#test/helpers/deps';
import { storeThroughDoor } from '#test/helpers/doors';
import { createTestTable } from '#test/helpers/dynamodb';
import { givenLocation } from '#test/helpers/fixtures';
import { streamEvent, TableStream } from '#test/helpers/streams';

/**
 * The stream handler on the records DynamoDB Local itself writes to the table's stream, filtered by
 * the manifest's pattern as the event source mapping would, and delivered again as Lambda does after
 * a failure (from the first failed record on).
 */
const code = '4815162342';
const profile = { email: 'ana@example.com', phone: '+447700900123', channels: ['sms', 'email'] as const, locale: 'en' as const };
const streams: TableStream[] = [];

afterEach(() => {
  for (const stream of streams.splice(0)) stream.close();
});

async function given(): Promise<{ deps: TestDeps; stream: TableStream }> {
  const table = await createTestTable();
  const deps = buildDeps(table, { codes: new ScriptedCodes([code]) });
  const stream = new TableStream(table);
  streams.push(stream);
  return { deps, stream };
}

/** A customer with a profile, and a parcel for them stored through its door. */
async function storedForCustomer(deps: TestDeps) {
  await deps.profiles.put(actors.customer.sub, { ...profile, channels: [...profile.channels], verified: ['sms', 'email'] }, deps.clock.now());
  const { locationId } = await givenLocation(deps, { S: 2 });
  return storeThroughDoor(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
}

const eventRecords = (stream: TableStream) => stream.next(manifest.notify.filter);
const typeOf = (record: DynamoDBRecord) => record.dynamodb?.NewImage?.type?.S;
const sequenceOf = (record: DynamoDBRecord) => record.dynamodb!.SequenceNumber!;
/** Lambda delivers a failed batch again from its first failed record on. */
const fromFirstFailure = (records: readonly DynamoDBRecord[], failures: readonly { itemIdentifier: string }[]) =>
  records.slice(records.findIndex((record) => failures.some((failure) => failure.itemIdentifier === sequenceOf(record))));

describe('the notifier on the table stream', () => {
  it('sends the recipient the SMS and the email with the code once the door has closed, and integrators every parcel event without it', async () => {
    // Prepare
    const { deps, stream } = await given();
    const parcel = await storedForCustomer(deps);
    const records = await eventRecords(stream);

    // Act
    const response = await notifyRecords(deps, streamEvent(records));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    // The channels are sent at once, so in either order.
    expect(deps.sends.sent.map(({ channel, to }) => `${channel} ${to}`).sort()).toEqual([`email ${profile.email}`, `sms ${profile.phone}`]);
    expect(deps.sends.sent.every(({ body }) => body.includes(code) && body.includes('Station Square'))).toBe(true);
    expect(deps.sends.parcelEvents.map(({ message }) => ({ type: message.eventType, parcelId: message.parcelId }))).toEqual([
      { type: 'PARCEL_DEPOSITING', parcelId: parcel.parcelId },
      { type: 'PARCEL_STORED', parcelId: parcel.parcelId },
    ]);
    expect(JSON.stringify(deps.sends.parcelEvents)).not.toContain(code);
  });

  it('fails an invocation whose every record failed, and its redelivery sends what is missing and nothing twice', async () => {
    // Prepare
    const { deps, stream } = await given();
    await storedForCustomer(deps);
    const records = await eventRecords(stream);
    const storedAt = records.findIndex((record) => typeOf(record) === 'PARCEL_STORED');
    await notifyRecords(deps, streamEvent(records.slice(0, storedAt)));
    const batch = records.slice(storedAt);
    deps.sends.failNext(1);

    // Act
    const first = notifyRecords(deps, streamEvent(batch));
    await expect(first).rejects.toThrow('All records failed processing');
    const again = await notifyRecords(deps, streamEvent(batch));

    // Assess
    expect(batch.map(typeOf)).toEqual(['PARCEL_STORED']);
    expect(again).toEqual({ batchItemFailures: [] });
    expect(deps.sends.sent.map(({ channel }) => channel).sort()).toEqual(['email', 'sms']);
    expect(deps.sends.parcelEvents.map(({ message }) => message.eventType)).toEqual(['PARCEL_DEPOSITING', 'PARCEL_STORED']);
  });

  it('reports the record whose send failed, holds back the later events of its parcel so the recipient hears them in order, and redelivery sends each message once', async () => {
    // Prepare
    const { deps, stream } = await given();
    await storedForCustomer(deps);
    const records = await eventRecords(stream);
    deps.sends.failNext(1);

    // Act
    const first = await notifyRecords(deps, streamEvent(records));
    const again = await notifyRecords(deps, streamEvent(fromFirstFailure(records, first.batchItemFailures)));

    // Assess
    expect(first.batchItemFailures.map(({ itemIdentifier }) => typeOf(records.find((record) => sequenceOf(record) === itemIdentifier)!))).toEqual([
      'PARCEL_DEPOSITING',
      'PARCEL_STORED',
    ]);
    expect(again).toEqual({ batchItemFailures: [] });
    expect({ sent: deps.sends.sent.length, events: deps.sends.parcelEvents.map(({ message }) => message.eventType) }).toEqual({
      sent: 2,
      events: ['PARCEL_DEPOSITING', 'PARCEL_STORED'],
    });
  });

  it('sends nothing twice when a whole batch is delivered again', async () => {
    // Prepare
    const { deps, stream } = await given();
    await storedForCustomer(deps);
    const records = await eventRecords(stream);
    await notifyRecords(deps, streamEvent(records));

    // Act
    const again = await notifyRecords(deps, streamEvent(records));

    // Assess
    expect(again).toEqual({ batchItemFailures: [] });
    expect({ sent: deps.sends.sent.length, events: deps.sends.parcelEvents.length }).toEqual({ sent: 2, events: 2 });
  });

  it('fails only the poison records (an event of a parcel that does not exist, an item that is no event) and tells everyone else', async () => {
    // Prepare
    const { deps, stream } = await given();
    const parcel = await storedForCustomer(deps);
    const ghost: AuditEvent = {
      eventId: '01GHOSTEVENT0000000000000',
      type: 'PARCEL_STORED',
      at: deps.clock.now().toISOString(),
      actor: { sub: 'system', role: 'system' },
      locationId: parcel.locationId,
      parcelId: 'ghost',
      from: 'DEPOSITING',
      to: 'STORED',
    };
    await deps.documentClient.send(new PutCommand({ TableName: deps.tableName, Item: eventItem(ghost) }));
    await deps.documentClient.send(new PutCommand({ TableName: deps.tableName, Item: { ...eventItem({ ...ghost, eventId: 'bad', parcelId: 'other' }), type: 'PARCEL_TELEPORTED' } }));
    const records = await eventRecords(stream);
    const poison = records.filter((record) => ['ghost', 'other'].includes(record.dynamodb?.NewImage?.parcelId?.S ?? '')).map(sequenceOf);

    // Act
    const response = await notifyRecords(deps, streamEvent(records));

    // Assess
    expect(poison).toHaveLength(2);
    expect(response.batchItemFailures.map(({ itemIdentifier }) => itemIdentifier).sort()).toEqual([...poison].sort());
    expect({ sent: deps.sends.sent.length, events: deps.sends.parcelEvents.map(({ message }) => message.parcelId) }).toEqual({
      sent: 2,
      events: [parcel.parcelId, parcel.parcelId],
    });
  });
  it("redelivers a record whose sender died mid-send and, once the dead sender's lease lapses, sends its messages once", async () => {
    // Prepare: the first delivery of PARCEL_STORED took its SMS key and died (a timeout, out of
    // memory) without settling or giving it back; Lambda retries the record within seconds. Waiting
    // takes real time, so this runs on the real clock, with the lease lapsing in a fraction of a second.
    const { deps, stream } = await given();
    await storedForCustomer(deps);
    const records = await eventRecords(stream);
    const eventId = records.find((record) => typeOf(record) === 'PARCEL_STORED')!.dynamodb!.NewImage!.eventId!.S!;
    const realClock = { now: () => new Date() };
    await deps.sent.begin(`${eventId}#sms`, new Date(Date.now() - 14_800));

    // Act
    const response = await notifyRecords({ ...deps, clock: realClock }, streamEvent(records));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(deps.sends.sent.map(({ channel }) => channel).sort()).toEqual(['email', 'sms']);
  });
});

describe('the sent log in DynamoDB', () => {
  it('lets one sender hold a key, tells the next when its lease lapses, and never sends a settled key again', async () => {
    // Prepare
    const { deps } = await given();
    const at = deps.clock.now();
    const later = (seconds: number) => new Date(at.getTime() + seconds * 1000);

    // Act
    const first = (await deps.sent.begin('evt-9#sms', at)) as SendLease;
    const whileHeld = await deps.sent.begin('evt-9#sms', later(5));
    const afterLapse = (await deps.sent.begin('evt-9#sms', later(16))) as SendLease;
    await first.release();
    await afterLapse.sent(later(17));
    const afterSent = await deps.sent.begin('evt-9#sms', later(3600));

    // Assess
    expect(first).toHaveProperty('sent');
    expect(whileHeld).toEqual({ heldUntil: later(15) });
    expect(afterLapse).toHaveProperty('sent');
    expect(afterSent).toBeUndefined();
  });
});
