import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { kioskBudgetKey } from '#shared/adapters/dynamodb/entities/kiosk-budget';
import { kioskAttemptPolicy, kioskWindowAt } from '#shared/domain/pickup-code';
import type { ChangeWriter, StoredParcel } from '#shared/ports';
import { cancelParcel } from '#shared/use-cases/release-parcel';
import { kioskPickup } from '#shared/use-cases/kiosk-pickup';
import { reissuePickupCode } from '#shared/use-cases/reissue-code';
import { retrieveParcel } from '#shared/use-cases/retrieve-parcel';
import { createTestTable, type TestTable } from '#test/helpers/dynamodb';
import { actors, buildDeps, ScriptedCodes, type TestDeps } from '#test/helpers/deps';
import { storeThroughDoor } from '#test/helpers/doors';
import { givenLocation } from '#test/helpers/fixtures';
import { serviceSettings } from '#shared/config';

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});

/**
 * A small budget, so a test spends a window in a few calls; the production figure is proven once
 * below, with its counter brought close to the limit directly.
 */
const budget = 5;

/** A location holding one STORED parcel with the given code; its kiosk; and a count of code look-ups. */
async function givenKioskLocation(code: string, reissued: string[] = [], kioskAttemptsPerWindow = budget) {
  const deps = buildDeps(table, { codes: new ScriptedCodes([code, ...reissued]), kioskAttemptsPerWindow });
  const { locationId } = await givenLocation(deps, { S: 2 });
  const parcel = await storeThroughDoor(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
  const lookups = { count: 0 };
  const findByPickupCode = deps.parcels.findByPickupCode.bind(deps.parcels);
  deps.parcels.findByPickupCode = (...args) => {
    lookups.count += 1;
    return findByPickupCode(...args);
  };
  return { deps, locationId, parcel, kiosk: actors.kiosk(locationId), lookups };
}

/** Codes that are certainly wrong: no parcel in these tests has a code starting with 9. */
const wrongCode = (n: number) => String(9_000_000_000 + n);

/** What a kiosk attempt answered: the result's status or the error's code. */
const outcomeOf = (attempt: Promise<{ status: string }>) =>
  attempt.then(
    (result) => result.status,
    (error: { code?: string }) => error.code ?? String(error),
  );

async function wrongCodesAtKiosk(deps: TestDeps, locationId: string, times: number, from = 0): Promise<string[]> {
  const outcomes: string[] = [];
  for (let i = 0; i < times; i++) outcomes.push(await outcomeOf(kioskPickup(deps, actors.kiosk(locationId), locationId, wrongCode(from + i))));
  return outcomes;
}

const pickupCommands = (deps: TestDeps) => deps.doors.commands.filter(({ command }) => command.reason === 'PICKUP');

describe("a location's budget of kiosk attempts", () => {
  it('checks exactly `budget` of budget + 59 concurrent wrong codes and refuses the other 59 with 429 without looking them up', async () => {
    // Prepare
    const { deps, locationId, kiosk, lookups } = await givenKioskLocation('4100000100');

    // Act
    const outcomes = await Promise.all(Array.from({ length: budget + 59 }, (_, i) => outcomeOf(kioskPickup(deps, kiosk, locationId, wrongCode(i)))));

    // Assess
    expect({
      invalid: outcomes.filter((outcome) => outcome === 'INVALID_PICKUP_CODE').length,
      throttled: outcomes.filter((outcome) => outcome === 'TOO_MANY_ATTEMPTS').length,
      lookups: lookups.count,
    }).toEqual({ invalid: budget, throttled: 59, lookups: budget });
  });

  it("holds one kiosk token to a tenth of the location's budget, so one client cannot close the location", async () => {
    // Prepare: a location budget of 100, so one kiosk may spend 50 of it.
    const { deps, locationId, lookups } = await givenKioskLocation('4100001000', [], 100);
    const attacker = { sub: 'kiosk-stolen-token', roles: ['kiosk' as const], locationId };

    // Act
    const outcomes = await Promise.all(Array.from({ length: 64 }, (_, i) => outcomeOf(kioskPickup(deps, attacker, locationId, wrongCode(i)))));
    const honest = await outcomeOf(kioskPickup(deps, actors.kiosk(locationId), locationId, '4100001000'));

    // Assess
    expect({
      invalid: outcomes.filter((outcome) => outcome === 'INVALID_PICKUP_CODE').length,
      throttled: outcomes.filter((outcome) => outcome === 'TOO_MANY_ATTEMPTS').length,
      lookups: lookups.count,
      honest,
    }).toEqual({ invalid: 50, throttled: 14, lookups: 51, honest: 'COLLECTING' });
  });

  it('has a production budget of 500 attempts a window: the 500th wrong code is checked, the 501st refused', async () => {
    // Prepare
    const { deps, locationId, lookups } = await givenKioskLocation('4100000900', [], kioskAttemptPolicy.attemptsPerWindow);
    const window = kioskWindowAt(deps.clock.now());
    // 499 attempts spent one by one would be slow against DynamoDB Local; the counter item is the same.
    await deps.documentClient.send(
      new PutCommand({ TableName: deps.tableName, Item: { ...kioskBudgetKey({ locationId }, window), attempts: 499 } }),
    );

    // Act
    const outcomes = await wrongCodesAtKiosk(deps, locationId, 2);

    // Assess
    expect({ default: serviceSettings({}).KIOSK_ATTEMPTS_PER_WINDOW, outcomes, lookups: lookups.count }).toEqual({
      default: 500,
      outcomes: ['INVALID_PICKUP_CODE', 'TOO_MANY_ATTEMPTS'],
      lookups: 1,
    });
  });

  it('refuses the right code once the window is spent, without looking at it, until the window ends', async () => {
    // Prepare
    const { deps, locationId, kiosk, lookups } = await givenKioskLocation('4100000200');
    deps.clock.advanceSeconds(90);
    await wrongCodesAtKiosk(deps, locationId, budget);

    // Act
    const attempt = kioskPickup(deps, kiosk, locationId, '4100000200');

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS', retryAfterSeconds: 210 });
    expect({ lookups: lookups.count, commands: pickupCommands(deps) }).toEqual({ lookups: budget, commands: [] });
  });

  it('admits codes again from the next five-minute window', async () => {
    // Prepare
    const { deps, locationId, kiosk } = await givenKioskLocation('4100000300');
    const spent = await wrongCodesAtKiosk(deps, locationId, budget + 1);
    deps.clock.advanceMinutes(5);

    // Act
    const result = await kioskPickup(deps, kiosk, locationId, '4100000300');

    // Assess
    expect({ spent, status: result.status }).toEqual({
      spent: [...Array.from({ length: budget }, () => 'INVALID_PICKUP_CODE'), 'TOO_MANY_ATTEMPTS'],
      status: 'COLLECTING',
    });
  });

  it('lets an honest user who mistypes three times collect with the right code', async () => {
    // Prepare
    const { deps, locationId, kiosk } = await givenKioskLocation('4100000400');
    const mistypes = await wrongCodesAtKiosk(deps, locationId, 3);

    // Act
    const result = await kioskPickup(deps, kiosk, locationId, '4100000400');

    // Assess
    expect({ mistypes, status: result.status }).toEqual({ mistypes: ['INVALID_PICKUP_CODE', 'INVALID_PICKUP_CODE', 'INVALID_PICKUP_CODE'], status: 'COLLECTING' });
  });

  it('gives a right code its attempt back, so honest pickups never use up the budget', async () => {
    // Prepare
    const codes = ['4100001100', '4100001200', '4100001300', '4100001400', '4100001500', '4100001600'];
    const deps = buildDeps(table, { codes: new ScriptedCodes([...codes]), kioskAttemptsPerWindow: budget });
    const { locationId } = await givenLocation(deps, { S: 6 });
    for (let i = 0; i < codes.length; i++) await storeThroughDoor(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
    const pickups: string[] = [];
    for (const code of codes) pickups.push(await outcomeOf(kioskPickup(deps, actors.kiosk(locationId), locationId, code)));

    // Act
    const guesses = await wrongCodesAtKiosk(deps, locationId, budget + 1);

    // Assess
    expect({ pickups, guesses }).toEqual({
      pickups: codes.map(() => 'COLLECTING'),
      guesses: [...Array.from({ length: budget }, () => 'INVALID_PICKUP_CODE'), 'TOO_MANY_ATTEMPTS'],
    });
  });

  it('does not count a code typed again while its door is opening', async () => {
    // Prepare
    const { deps, locationId, kiosk } = await givenKioskLocation('4100000500');
    await kioskPickup(deps, kiosk, locationId, '4100000500');
    const again = await outcomeOf(kioskPickup(deps, kiosk, locationId, '4100000500'));

    // Act
    const guesses = await wrongCodesAtKiosk(deps, locationId, budget + 1);

    // Assess
    expect({ again, guesses }).toEqual({
      again: 'COLLECTING',
      guesses: [...Array.from({ length: budget }, () => 'INVALID_PICKUP_CODE'), 'TOO_MANY_ATTEMPTS'],
    });
  });

  it('keeps each location to its own budget', async () => {
    // Prepare
    const spent = await givenKioskLocation('4100000600');
    const other = await givenKioskLocation('4100000700');
    await wrongCodesAtKiosk(spent.deps, spent.locationId, budget);

    // Act
    const result = await kioskPickup(other.deps, other.kiosk, other.locationId, '4100000700');

    // Assess
    expect(result.status).toBe('COLLECTING');
  });
});

describe('a parcel locked by wrong codes in the app', () => {
  async function givenLockedParcel(code: string) {
    const given = await givenKioskLocation(code);
    for (let i = 0; i < 5; i++) await outcomeOf(retrieveParcel(given.deps, actors.customer, given.parcel.parcelId, wrongCode(i)));
    return given;
  }

  it('answers the owner 429 for the right code and for a wrong one alike, before comparing them', async () => {
    // Prepare
    const { deps, parcel } = await givenLockedParcel('4200000100');

    // Act
    const answers = await Promise.all([
      retrieveParcel(deps, actors.customer, parcel.parcelId, '4200000100').catch((error: unknown) => error),
      retrieveParcel(deps, actors.customer, parcel.parcelId, wrongCode(7)).catch((error: unknown) => error),
    ]);

    // Assess
    expect(answers).toEqual([
      expect.objectContaining({ code: 'TOO_MANY_ATTEMPTS', retryAfterSeconds: 900 }),
      expect.objectContaining({ code: 'TOO_MANY_ATTEMPTS', retryAfterSeconds: 900 }),
    ]);
    expect((await deps.parcels.get(parcel.parcelId))?.failedAttempts).toBe(0);
  });

  it('is not an oracle at the kiosk: the right code opens it as for any parcel, governed by the location budget', async () => {
    // Prepare
    const { deps, locationId, kiosk } = await givenLockedParcel('4200000200');

    // Act
    const right = await outcomeOf(kioskPickup(deps, kiosk, locationId, '4200000200'));

    // Assess
    expect(right).toBe('COLLECTING');
  });
});

describe('a code revoked by a reissue', () => {
  it('does not open the door for a kiosk pickup that read the parcel before the reissue committed', async () => {
    // Prepare
    const { deps, locationId, kiosk, parcel } = await givenKioskLocation('4300000100', ['4300000200']);
    let reissued: { pickupCode: string } | undefined;
    const changes = deps.changes;
    // The reissue commits between the kiosk's read of the parcel and its own write.
    const racing: ChangeWriter = {
      async commit(change) {
        if (!reissued && change.parcel?.next.status === 'COLLECTING') reissued = await reissuePickupCode({ ...deps, changes }, actors.customer, parcel.parcelId);
        return changes.commit(change);
      },
    };

    // Act
    const attempt = outcomeOf(kioskPickup({ ...deps, changes: racing }, kiosk, locationId, '4300000100'));

    // Assess
    expect({ outcome: await attempt, reissued, commands: pickupCommands(deps) }).toEqual({
      outcome: 'INVALID_PICKUP_CODE',
      reissued: { parcelId: parcel.parcelId, pickupCode: '4300000200' },
      commands: [],
    });
    expect((await deps.parcels.get(parcel.parcelId))?.status).toBe('STORED');
    expect((await kioskPickup(deps, kiosk, locationId, '4300000200')).status).toBe('COLLECTING');
  });
});

describe('reissuing a code', () => {
  it('is allowed three times an hour; the fourth answers 429 until the first is an hour old', async () => {
    // Prepare
    const { deps, parcel } = await givenKioskLocation('4400000100');
    const issued: string[] = [];
    for (let i = 0; i < 3; i++) {
      issued.push((await reissuePickupCode(deps, actors.customer, parcel.parcelId)).pickupCode);
      deps.clock.advanceMinutes(10);
    }

    // Act
    const fourth = await reissuePickupCode(deps, actors.customer, parcel.parcelId).catch((error: unknown) => error);
    deps.clock.advanceMinutes(30);
    const later = await reissuePickupCode(deps, actors.customer, parcel.parcelId);

    // Assess
    expect({ issued: issued.length, fourth }).toEqual({ issued: 3, fourth: expect.objectContaining({ code: 'TOO_MANY_ATTEMPTS', retryAfterSeconds: 1800 }) });
    expect(later.pickupCode).toMatch(/^\d{10}$/);
  });

  it('keeps the code of the last reissue that was allowed when more are refused', async () => {
    // Prepare
    const { deps, locationId, kiosk, parcel } = await givenKioskLocation('4400000200', ['4400000300', '4400000400', '4400000500', '4400000600']);
    for (let i = 0; i < 3; i++) await reissuePickupCode(deps, actors.customer, parcel.parcelId);

    // Act
    const refused = await reissuePickupCode(deps, actors.customer, parcel.parcelId).catch((error: unknown) => error);

    // Assess
    expect(refused).toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    expect((await kioskPickup(deps, kiosk, locationId, '4400000500')).status).toBe('COLLECTING');
  });

  it("cannot make a carrier's cancel fail by writing the parcel before each of the cancel's writes", async () => {
    // Prepare
    const { deps, locationId, parcel } = await givenKioskLocation('4600000100', ['4600000200', '4600000300', '4600000400', '4600000500']);
    const changes = deps.changes;
    const customerActions: string[] = [];
    // The worst a customer can do: one write of the parcel in every gap between the cancel's read and
    // its write, a new code while allowed, then wrong codes in the app until the parcel locks.
    const racing: ChangeWriter = {
      async commit(change) {
        if (change.parcel?.next.status === 'CANCELLED') {
          const reissue = await reissuePickupCode({ ...deps, changes }, actors.customer, parcel.parcelId).then(
            () => 'REISSUED',
            (error: { code?: string }) => error.code ?? String(error),
          );
          customerActions.push(
            reissue === 'REISSUED'
              ? reissue
              : await outcomeOf(retrieveParcel({ ...deps, changes }, actors.customer, parcel.parcelId, wrongCode(customerActions.length))),
          );
        }
        return changes.commit(change);
      },
    };

    // Act
    const cancel = await outcomeOf(cancelParcel({ ...deps, changes: racing }, actors.carrier, parcel.parcelId));

    // Assess
    expect({ cancel, customerActions }).toEqual({
      cancel: 'CANCELLED',
      customerActions: [
        'REISSUED', 'REISSUED', 'REISSUED',
        'INVALID_PICKUP_CODE', 'INVALID_PICKUP_CODE', 'INVALID_PICKUP_CODE', 'INVALID_PICKUP_CODE', 'INVALID_PICKUP_CODE',
        'TOO_MANY_ATTEMPTS',
      ],
    });
    expect(await deps.parcels.findByPickupCode(locationId, deps.vault.hash(locationId, '4600000400'))).toBeUndefined();
  });

  it("cannot make a carrier's cancel fail: 8 concurrent reissues racing a cancel, ten times over", async () => {
    // Prepare
    const trials: { cancel: string; reissues: string[]; parcel?: StoredParcel; codeLeft: boolean }[] = [];

    for (let trial = 0; trial < 10; trial++) {
      const { deps, locationId, parcel } = await givenKioskLocation(String(4_500_000_000 + trial * 100));

      // Act
      const [cancel, ...reissues] = await Promise.all([
        outcomeOf(cancelParcel(deps, actors.carrier, parcel.parcelId)),
        ...Array.from({ length: 8 }, () =>
          reissuePickupCode(deps, actors.customer, parcel.parcelId).then(
            (issued) => issued.pickupCode,
            (error: { code?: string }) => error.code ?? String(error),
          ),
        ),
      ]);
      const after = await deps.parcels.get(parcel.parcelId);
      const issued = reissues.filter((outcome) => /^\d{10}$/.test(outcome));
      const codeLeft = (await Promise.all(issued.map((code) => deps.parcels.findByPickupCode(locationId, deps.vault.hash(locationId, code))))).some(Boolean);
      trials.push({ cancel: cancel!, reissues, ...(after ? { parcel: after } : {}), codeLeft });
    }

    // Assess
    expect(trials.map(({ cancel, parcel, codeLeft }) => ({ cancel, status: parcel?.status, codeLeft }))).toEqual(
      Array.from({ length: 10 }, () => ({ cancel: 'CANCELLED', status: 'CANCELLED', codeLeft: false })),
    );
    for (const { reissues } of trials) {
      expect(reissues.filter((outcome) => /^\d{10}$/.test(outcome)).length).toBeLessThanOrEqual(3);
      expect(reissues.filter((outcome) => !/^\d{10}$/.test(outcome)).every((code) => code === 'TOO_MANY_ATTEMPTS' || code === 'INVALID_STATE')).toBe(true);
    }
  });
});
