import { beforeAll, describe, expect, it } from 'vitest';
import { parcelKey } from '#shared/adapters/dynamodb/entities/parcel';
import { profileKey } from '#shared/adapters/dynamodb/entities/profile';
import type { Actor } from '#shared/domain/actor';
import { ConflictError, ForbiddenError, NotFoundError, TooManyAttemptsError, UnavailableError, ValidationError } from '#shared/domain/errors';
import { getParcel } from '#shared/use-cases/get-parcel';
import { getProfile } from '#shared/use-cases/get-profile';
import { listParcels } from '#shared/use-cases/list-parcels';
import { putProfile } from '#shared/use-cases/put-profile';
import { storeParcel } from '#shared/use-cases/store-parcel';
import { verifyContact } from '#shared/use-cases/verify-contact';
import { createTestTable, type TestTable } from '#test/helpers/dynamodb';
import { actors, buildDeps, itemsUnder, ScriptedCodes, type TestDeps } from '#test/helpers/deps';
import { givenLocation } from '#test/helpers/fixtures';

/**
 * Whom to tell (issue 9): a customer's own profile (`/me`), and the contact a carrier gives for the
 * recipient at store time, against DynamoDB Local through the production adapters.
 */
let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});

let customers = 0;
/** Each test its own customer: profiles outlive a test in the file's table. */
function newCustomer(claims: { email?: string; phone?: string } = {}): Actor {
  customers += 1;
  return { sub: `profile-customer-${customers}-${Date.now()}`, roles: ['customer'], ...claims };
}

async function savedItem(deps: TestDeps, sub: string) {
  const { PK, SK } = profileKey(sub);
  return (await itemsUnder(deps, deps.tableName, PK)).filter((item) => item.SK === SK);
}

/** What a use case threw, so class, code and details can be compared whole. */
async function refusal(act: () => Promise<unknown>): Promise<unknown> {
  try {
    await act();
  } catch (error) {
    return error;
  }
  return new Error('nothing was thrown');
}

describe('a customer profile', () => {
  it('answers what was put, marked saved, with channels defaulted to those with an address', async () => {
    // Prepare
    const deps = buildDeps(table);
    const customer = newCustomer();

    // Act
    const put = await putProfile(deps, customer, { email: 'ana@example.com', phone: '+447700900123', locale: 'en-GB' });
    const read = await getProfile(deps, customer);

    // Assess
    const expected = { email: 'ana@example.com', phone: '+447700900123', channels: ['sms', 'email'], locale: 'en', saved: true, verified: [], pending: ['sms', 'email'] };
    expect({ put, read }).toEqual({ put: expected, read: expected });
  });

  it('replaces the profile whole: a field left out of a second put is gone', async () => {
    // Prepare
    const deps = buildDeps(table);
    const customer = newCustomer();
    await putProfile(deps, customer, { email: 'ana@example.com', phone: '+447700900123' });

    // Act
    await putProfile(deps, customer, { email: 'ana@example.com', channels: ['email'] });

    // Assess
    expect(await getProfile(deps, customer)).toEqual({ email: 'ana@example.com', channels: ['email'], locale: 'en', saved: true, verified: [], pending: ['email'] });
  });

  it('suggests a profile from the token\'s email and phone while none is saved, and writes nothing', async () => {
    // Prepare
    const deps = buildDeps(table);
    const customer = newCustomer({ email: 'bo@example.com', phone: '+4915112345678' });

    // Act
    const read = await getProfile(deps, customer);

    // Assess
    expect(read).toEqual({ email: 'bo@example.com', phone: '+4915112345678', channels: ['sms', 'email'], locale: 'en', saved: false, verified: ['sms', 'email'], pending: [] });
    expect(await savedItem(deps, customer.sub)).toEqual([]);
  });

  it('prefers the saved profile to the token\'s addresses', async () => {
    // Prepare
    const deps = buildDeps(table);
    const customer = newCustomer({ email: 'token@example.com', phone: '+4915112345678' });
    await putProfile(deps, customer, { email: 'chosen@example.com', channels: [] });

    // Act
    const read = await getProfile(deps, customer);

    // Assess
    expect(read).toEqual({ email: 'chosen@example.com', channels: [], locale: 'en', saved: true, verified: [], pending: ['email'] });
  });

  it('answers an empty, unsaved profile when neither a profile nor the token names an address', async () => {
    // Prepare
    const deps = buildDeps(table);

    // Act
    const read = await getProfile(deps, newCustomer());

    // Assess
    expect(read).toEqual({ channels: [], locale: 'en', saved: false, verified: [], pending: [] });
  });

  it('refuses a phone number not in E.164 and leaves the saved profile as it was', async () => {
    // Prepare
    const deps = buildDeps(table);
    const customer = newCustomer();
    // An address of its own: the file's tests share one hour of each address's codes.
    await putProfile(deps, customer, { email: 'e164@example.com' });
    const before = await savedItem(deps, customer.sub);

    // Act
    const error = await refusal(() => putProfile(deps, customer, { email: 'e164@example.com', phone: '07700 900123' }));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([{ path: 'phone', message: 'Must be a phone number in E.164 form, such as +447700900123' }]);
    expect(await savedItem(deps, customer.sub)).toEqual(before);
  });

  it('writes nothing for a first profile that asks for sms without a phone', async () => {
    // Prepare
    const deps = buildDeps(table);
    const customer = newCustomer();

    // Act
    const error = await refusal(() => putProfile(deps, customer, { email: 'ana@example.com', channels: ['sms'] }));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(await savedItem(deps, customer.sub)).toEqual([]);
  });

  it.each([
    ['an admin', actors.admin],
    ['a carrier', actors.carrier],
  ])('is refused to %s, with FORBIDDEN, both ways', async (_who, actor) => {
    // Prepare
    const deps = buildDeps(table);

    // Act
    const errors = [await refusal(() => getProfile(deps, actor)), await refusal(() => putProfile(deps, actor, { email: 'x@example.com' }))];

    // Assess
    expect(errors.map((error) => [error instanceof ForbiddenError, (error as ForbiddenError).code])).toEqual([
      [true, 'FORBIDDEN'],
      [true, 'FORBIDDEN'],
    ]);
  });
});

describe('verifying an address saved in /me', () => {
  const codeIn = (deps: TestDeps, to: string) => deps.sends.sent.filter((message) => message.to === to).map((message) => /\b(\d{6})\b/.exec(message.body)?.[1]);

  it("sends a one-time code to each new address, none to the token's own, and keeps only the code's hash", async () => {
    // Prepare
    const deps = buildDeps(table, { verificationCodes: new ScriptedCodes(['204863']) });
    const customer = newCustomer({ email: 'own@example.com' });

    // Act
    const put = await putProfile(deps, customer, { email: 'own@example.com', phone: '+447700900200' });

    // Assess
    expect({ verified: put.verified, pending: put.pending }).toEqual({ verified: ['email'], pending: ['sms'] });
    expect(deps.sends.sent.map(({ channel, to }) => ({ channel, to }))).toEqual([{ channel: 'sms', to: '+447700900200' }]);
    expect(codeIn(deps, '+447700900200')).toEqual(['204863']);
    const items = await itemsUnder(deps, deps.tableName, profileKey(customer.sub).PK);
    expect(JSON.stringify(items)).not.toContain('204863');
    expect(items.map((item) => item.SK).sort()).toEqual(['PROFILE', 'VERIFY#sms']);
  });

  it('verifies the address with its code, spends the code, and keeps it verified while it is saved again unchanged', async () => {
    // Prepare
    const deps = buildDeps(table, { verificationCodes: new ScriptedCodes(['381920']) });
    const customer = newCustomer();
    await putProfile(deps, customer, { phone: '+447700900201' });

    // Act
    const verified = await verifyContact(deps, customer, { channel: 'sms', code: '381920' });
    const again = await refusal(() => verifyContact(deps, customer, { channel: 'sms', code: '381920' }));
    const resaved = await putProfile(deps, customer, { phone: '+447700900201', locale: 'en-GB' });

    // Assess
    expect({ verified: verified.verified, pending: verified.pending }).toEqual({ verified: ['sms'], pending: [] });
    expect([again instanceof ConflictError, (again as ConflictError).code]).toEqual([true, 'NO_CODE_PENDING']);
    expect({ verified: resaved.verified, sent: deps.sends.sent.length }).toEqual({ verified: ['sms'], sent: 1 });
  });

  it('drops the verification of an address that changes, and a code sent to the old one does not verify the new one', async () => {
    // Prepare
    const deps = buildDeps(table, { verificationCodes: new ScriptedCodes(['111111', '222222']) });
    const customer = newCustomer();
    await putProfile(deps, customer, { phone: '+447700900202' });
    await verifyContact(deps, customer, { channel: 'sms', code: '111111' });

    // Act
    const changed = await putProfile(deps, customer, { phone: '+447700900203' });
    const oldCode = await refusal(() => verifyContact(deps, customer, { channel: 'sms', code: '111111' }));

    // Assess
    expect({ verified: changed.verified, pending: changed.pending }).toEqual({ verified: [], pending: ['sms'] });
    expect([oldCode instanceof ForbiddenError, (oldCode as ForbiddenError).code]).toEqual([true, 'INVALID_VERIFICATION_CODE']);
  });

  it('refuses a code past its 15 minutes with CODE_EXPIRED', async () => {
    // Prepare
    const deps = buildDeps(table, { verificationCodes: new ScriptedCodes(['555000']) });
    const customer = newCustomer();
    await putProfile(deps, customer, { email: 'late@example.com' });
    deps.clock.advanceMinutes(16);

    // Act
    const error = await refusal(() => verifyContact(deps, customer, { channel: 'email', code: '555000' }));

    // Assess
    expect([error instanceof ConflictError, (error as ConflictError).code]).toEqual([true, 'CODE_EXPIRED']);
  });

  it('compares no code more than 5 times, however many attempts race: then even the right code is TOO_MANY_ATTEMPTS', async () => {
    // Prepare
    const deps = buildDeps(table, { verificationCodes: new ScriptedCodes(['777777']) });
    const customer = newCustomer();
    await putProfile(deps, customer, { phone: '+447700900204' });

    // Act: 20 wrong codes at once.
    const errors = await Promise.all(Array.from({ length: 20 }, (_, i) => refusal(() => verifyContact(deps, customer, { channel: 'sms', code: String(100000 + i) }))));
    const right = await refusal(() => verifyContact(deps, customer, { channel: 'sms', code: '777777' }));

    // Assess
    const codes = errors.map((error) => (error as ForbiddenError | TooManyAttemptsError).code);
    expect({ wrong: codes.filter((code) => code === 'INVALID_VERIFICATION_CODE').length, refused: codes.filter((code) => code === 'TOO_MANY_ATTEMPTS').length }).toEqual({
      wrong: 5,
      refused: 15,
    });
    expect([right instanceof TooManyAttemptsError, (right as TooManyAttemptsError).code]).toEqual([true, 'TOO_MANY_ATTEMPTS']);
  });

  it("refuses with TOO_MANY_MESSAGES, saving nothing, once a new address has had its hour's messages", async () => {
    // Prepare: two messages an hour; two saves spend them.
    const deps = buildDeps(table, { messagesPerDestinationHour: 2 });
    const customer = newCustomer();
    await putProfile(deps, customer, { phone: '+447700900205' });
    await putProfile(deps, customer, { phone: '+447700900205', locale: 'en-GB' });
    const before = await savedItem(deps, customer.sub);

    // Act
    const error = await refusal(() => putProfile(deps, customer, { phone: '+447700900205', channels: [] }));

    // Assess
    expect([error instanceof TooManyAttemptsError, (error as TooManyAttemptsError).code, (error as TooManyAttemptsError).retryAfterSeconds > 0]).toEqual([
      true,
      'TOO_MANY_MESSAGES',
      true,
    ]);
    expect({ sent: deps.sends.sent.length, saved: await savedItem(deps, customer.sub) }).toEqual({ sent: 2, saved: before });
  });

  it('answers TRY_AGAIN when the code fails to send after the save, keeps the address pending, and saving again sends a new code that verifies it', async () => {
    // Prepare: the channel fails the first send only.
    const deps = buildDeps(table, { verificationCodes: new ScriptedCodes(['410001', '410002']) });
    const customer = newCustomer();
    deps.sends.failNext(1);

    // Act
    const failed = await refusal(() => putProfile(deps, customer, { phone: '+447700900206' }));
    const between = await getProfile(deps, customer);
    const retried = await putProfile(deps, customer, { phone: '+447700900206' });
    const lostCode = await refusal(() => verifyContact(deps, customer, { channel: 'sms', code: '410001' }));
    const verified = await verifyContact(deps, customer, { channel: 'sms', code: '410002' });

    // Assess
    expect([failed instanceof UnavailableError, (failed as UnavailableError).code]).toEqual([true, 'TRY_AGAIN']);
    expect({ saved: between.saved, pending: between.pending, retried: retried.pending }).toEqual({ saved: true, pending: ['sms'], retried: ['sms'] });
    expect(codeIn(deps, '+447700900206')).toEqual(['410002']);
    expect([lostCode instanceof ForbiddenError, (lostCode as ForbiddenError).code]).toEqual([true, 'INVALID_VERIFICATION_CODE']);
    expect(verified.verified).toEqual(['sms']);
  });

  it('sends no code to a request that names no address at all', async () => {
    // Prepare
    const deps = buildDeps(table);

    // Act
    const put = await putProfile(deps, newCustomer(), { channels: [] });

    // Assess
    expect({ pending: put.pending, sent: deps.sends.sent }).toEqual({ pending: [], sent: [] });
  });
});

describe('the contact a carrier gives for the recipient', () => {
  const recipient = { email: 'dee@example.com', phone: '+33612345678' };

  async function storedWithContact(deps: TestDeps) {
    const customer = newCustomer();
    const { locationId } = await givenLocation(deps, { S: 2 });
    const stored = await storeParcel(deps, actors.carrier, { locationId, recipientId: customer.sub, size: 'S', recipient });
    return { customer, locationId, parcelId: stored.parcelId };
  }

  it('is stored on the parcel in the store transaction', async () => {
    // Prepare
    const deps = buildDeps(table);

    // Act
    const { parcelId } = await storedWithContact(deps);

    // Assess
    const [item] = (await itemsUnder(deps, deps.tableName, parcelKey(parcelId).PK)).filter((candidate) => candidate.SK === 'META');
    expect(item?.recipientContact).toEqual(recipient);
  });

  it('is shown by id to the recipient, the carrier who gave it and admins', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { customer, parcelId } = await storedWithContact(deps);

    // Act
    const views = await Promise.all([customer, actors.carrier, actors.admin].map((actor) => getParcel(deps, actor, parcelId)));

    // Assess
    expect(views.map((view) => view.recipientContact)).toEqual([recipient, recipient, recipient]);
  });

  it('is shown in the listings of the recipient and of admins', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { customer, locationId, parcelId } = await storedWithContact(deps);

    // Act
    const pages = await Promise.all([customer, actors.admin].map((actor) => listParcels(deps, actor, { locationId, limit: 25 })));

    // Assess
    expect(pages.map((page) => page.items.map((item) => [item.parcelId, item.recipientContact]))).toEqual([
      [[parcelId, recipient]],
      [[parcelId, recipient]],
    ]);
  });

  it('is never shown to another carrier, another customer or a kiosk: the parcel is not found', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId, parcelId } = await storedWithContact(deps);

    // Act
    const errors = await Promise.all(
      [actors.otherCarrier, newCustomer(), actors.kiosk(locationId)].map((actor) => refusal(() => getParcel(deps, actor, parcelId))),
    );

    // Assess
    expect(errors.map((error) => [error instanceof NotFoundError, (error as NotFoundError).code])).toEqual([
      [true, 'PARCEL_NOT_FOUND'],
      [true, 'PARCEL_NOT_FOUND'],
      [true, 'PARCEL_NOT_FOUND'],
    ]);
  });

  it('leaves the view as it was when the carrier gave none', async () => {
    // Prepare
    const deps = buildDeps(table);
    const customer = newCustomer();
    const { locationId } = await givenLocation(deps, { S: 1 });
    const { parcelId } = await storeParcel(deps, actors.carrier, { locationId, recipientId: customer.sub, size: 'S' });

    // Act
    const view = await getParcel(deps, customer, parcelId);

    // Assess
    expect('recipientContact' in view).toBe(false);
  });

  it('refuses a phone not in E.164 before anything is written: no parcel, the slot stays free', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 1 });

    // Act
    const error = await refusal(() =>
      storeParcel(deps, actors.carrier, { parcelId: `bad-contact-${locationId}`, locationId, recipientId: 'someone', size: 'S', recipient: { phone: '0612345678' } }),
    );

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details.map((detail) => detail.path)).toEqual(['recipient.phone']);
    expect(await deps.parcels.get(`bad-contact-${locationId}`)).toBeUndefined();
    expect((await deps.locations.freeCounts(locationId)).S).toBe(1);
  });

  it('is part of the request an Idempotency-Key stands for: the same contact replays, another one is IDEMPOTENCY_KEY_REUSED', async () => {
    // Prepare
    const deps = buildDeps(table);
    const { locationId } = await givenLocation(deps, { S: 2 });
    const request = { locationId, recipientId: 'someone', size: 'S' as const, recipient, idempotencyKey: `contact-${locationId}` };
    const first = await storeParcel(deps, actors.carrier, request);

    // Act
    const replay = await storeParcel(deps, actors.carrier, request);
    const changed = await refusal(() => storeParcel(deps, actors.carrier, { ...request, recipient: { email: recipient.email } }));
    const dropped = await refusal(() => storeParcel(deps, actors.carrier, { ...request, recipient: undefined }));

    // Assess
    expect(replay.parcelId).toBe(first.parcelId);
    expect([changed, dropped].map((error) => [error instanceof ConflictError, (error as ConflictError).code])).toEqual([
      [true, 'IDEMPOTENCY_KEY_REUSED'],
      [true, 'IDEMPOTENCY_KEY_REUSED'],
    ]);
  });
});
