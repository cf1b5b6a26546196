import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDestinationQuota } from '#shared/adapters/dynamodb/destination-quota';
import { ttlAttribute } from '#shared/adapters/dynamodb/table';
import { quotaWindowOf } from '#shared/domain/verification';
import { manifest } from '#shared/manifest';
import { TooManyAttemptsError } from '#shared/domain/errors';
import { putProfile } from '#shared/use-cases/put-profile';
import { cancelParcel } from '#shared/use-cases/release-parcel';
import { notifyRecords } from '#functions/streams/notify';
import { actors, buildDeps, CountingMetrics, itemsUnder } from '#test/helpers/deps';
import { storeThroughDoor } from '#test/helpers/doors';
import { createTestTable } from '#test/helpers/dynamodb';
import { givenLocation } from '#test/helpers/fixtures';
import { streamEvent, TableStream } from '#test/helpers/streams';

/**
 * Paid channels cannot be pumped (docs/decisions.md): each phone number and email address has a
 * budget of messages per hour, taken with one conditional write before a send, on DynamoDB Local.
 */
const streams: TableStream[] = [];

afterEach(() => {
  for (const stream of streams.splice(0)) stream.close();
});

describe("a destination's hourly budget", () => {
  it('lets exactly the limit through when many reservations for one destination race', async () => {
    // Prepare
    const table = await createTestTable();
    const deps = buildDeps(table);
    const quota = new DynamoDestinationQuota(deps.documentClient, deps.tableName);
    const window = quotaWindowOf(deps.clock.now());

    // Act: 40 senders at once, a limit of 10.
    const results = await Promise.all(Array.from({ length: 40 }, () => quota.reserve('racing-destination', window, 10, 'messages')));

    // Assess
    expect(results.filter(Boolean)).toHaveLength(10);
    const [counter] = await itemsUnder(deps, deps.tableName, 'DEST#racing-destination');
    expect(counter).toMatchObject({ messages: 10, [ttlAttribute]: Math.ceil(window.end.getTime() / 1000) + 3600 });
  });

  it('starts each hour with a whole budget, and keeps destinations apart', async () => {
    // Prepare
    const table = await createTestTable();
    const deps = buildDeps(table);
    const quota = new DynamoDestinationQuota(deps.documentClient, deps.tableName);
    const thisHour = quotaWindowOf(deps.clock.now());
    await quota.reserve('one', thisHour, 1, 'messages');

    // Act
    deps.clock.advanceHours(1);
    const outcomes = {
      sameHour: await quota.reserve('one', thisHour, 1, 'messages'),
      nextHour: await quota.reserve('one', quotaWindowOf(deps.clock.now()), 1, 'messages'),
      otherDestination: await quota.reserve('two', thisHour, 1, 'messages'),
    };

    // Assess
    expect(outcomes).toEqual({ sameHour: false, nextHour: true, otherDestination: true });
  });

  it("stops a carrier's store-and-cancel loop at the limit: the phone it gave hears each parcel ready, no cancellation, and no more than the limit", async () => {
    // Prepare: a limit of 3 an hour; a carrier stores 5 parcels for a phone of its choosing and cancels each.
    const table = await createTestTable();
    const metrics = new CountingMetrics();
    const deps = buildDeps(table, { messagesPerDestinationHour: 3, metrics });
    const stream = new TableStream(table);
    streams.push(stream);
    const { locationId } = await givenLocation(deps, { S: 5 });
    const phone = '+447700900999';
    const failures = [];

    // Act: the notifier keeps up, so each parcel is still STORED when its "ready" event is read.
    for (let i = 0; i < 5; i++) {
      const parcel = await storeThroughDoor(deps, actors.carrier, { locationId, recipientId: `nobody-${i}`, size: 'S', recipient: { phone } });
      failures.push(...(await notifyRecords(deps, streamEvent(await stream.next(manifest.notify.filter)))).batchItemFailures);
      await cancelParcel(deps, actors.carrier, parcel.parcelId);
      failures.push(...(await notifyRecords(deps, streamEvent(await stream.next(manifest.notify.filter)))).batchItemFailures);
    }

    // Assess
    expect(failures).toEqual([]);
    const toPhone = deps.sends.sent.filter((message) => message.to === phone);
    expect({ messages: toPhone.length, allReady: toPhone.every((message) => /ready/i.test(message.body)), limited: metrics.counts.get('NotificationLimited') }).toEqual({
      messages: 3,
      allReady: true,
      limited: 2,
    });
    expect(deps.sends.parcelEvents.filter((message) => message.message.eventType === 'PARCEL_CANCELLED')).toHaveLength(5);
    // Five door cycles and ten stream reads: seconds alone, more on a loaded machine.
  }, 90_000);

  it("keeps a phone's pickup-code SMS out of reach of a stranger who names it in /me 12 times: codes have a budget of 3 of their own", async () => {
    // Prepare: an attacker saves the victim's phone in their own profile, again and again.
    const table = await createTestTable();
    const metrics = new CountingMetrics();
    const deps = buildDeps(table, { metrics });
    const stream = new TableStream(table);
    streams.push(stream);
    const { locationId } = await givenLocation(deps, { S: 1 });
    const victim = '+447700900555';
    const refusals: unknown[] = [];
    for (let i = 0; i < 12; i++) {
      try {
        await putProfile(deps, { sub: 'attacker-1', roles: ['customer'] }, { phone: victim });
      } catch (error) {
        refusals.push(error);
      }
    }

    // Act: a carrier stores a parcel for the victim, who has no profile, giving the same phone.
    await storeThroughDoor(deps, actors.carrier, { locationId, recipientId: 'victim-without-profile', size: 'S', recipient: { phone: victim } });
    const result = await notifyRecords(deps, streamEvent(await stream.next(manifest.notify.filter)));

    // Assess
    expect({
      refused: refusals.length,
      allTooMany: refusals.every((error) => error instanceof TooManyAttemptsError && error.code === 'TOO_MANY_MESSAGES'),
    }).toEqual({ refused: 9, allTooMany: true });
    const toVictim = deps.sends.sent.filter((message) => message.to === victim);
    expect({
      failures: result.batchItemFailures,
      codes: toVictim.filter((message) => /verification code/.test(message.body)).length,
      ready: toVictim.filter((message) => /ready/i.test(message.body)).length,
      limited: metrics.counts.get('NotificationLimited'),
    }).toEqual({ failures: [], codes: 3, ready: 1, limited: undefined });
  });
});
