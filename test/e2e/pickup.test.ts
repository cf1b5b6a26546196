import { describe, expect, it } from 'vitest';
import { parcelService, validationBody, wrong } from './parcel-support.ts';
import { errorBody, stackForFile } from './support.ts';

/**
 * Collecting a parcel: in the app with its code, a new code, and at the location's kiosk.
 * Real HTTP against the local gateway, the real handlers, and DynamoDB Local: the e2e project runs
 * the handlers from source (`npm start`), the e2e-assembly project the synthesized bundles
 * (`npm run start:assembly`). One stack for the file; the service clock only moves forward here.
 */
// Spending the production kiosk budget (500 a window) would take 500 requests; the rule is the same.
const kioskBudget = 5;
const stack = stackForFile({ kioskAttemptsPerWindow: kioskBudget });
const { call, token, actors, locationWithLocker, storeParcel, pickupCodeOf, freeSlotsOnceThey, parcelOnce } = parcelService(stack);

describe('POST /parcels/{parcelId}/retrieve', () => {
  it('hands the parcel to its owner with the right code and frees the slot', async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin, { S: 1 });
    const parcel = await storeParcel(carrier, locationId, customerSub);
    const pickupCode = await pickupCodeOf(parcel.parcelId, customer);

    // Act
    const reply = await call('POST', `/parcels/${parcel.parcelId}/retrieve`, { token: customer, json: { pickupCode } });

    // Assess
    const collected = await parcelOnce(parcel.parcelId, carrier, (view) => view.status === 'RETRIEVED');
    expect({ status: reply.status, body: reply.body, collected: collected.status, free: await freeSlotsOnceThey(locationId, customer, { S: 1, M: 0, L: 0 }) }).toEqual({
      status: 202,
      body: { parcelId: parcel.parcelId, status: 'COLLECTING', lockerId: parcel.lockerId, slotId: parcel.slotId, commandId: expect.any(String) },
      collected: 'RETRIEVED',
      free: { S: 1, M: 0, L: 0 },
    });
  });

  it('refuses a wrong code with 403 INVALID_PICKUP_CODE', async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);
    const pickupCode = await pickupCodeOf(parcel.parcelId, customer);

    // Act
    const reply = await call('POST', `/parcels/${parcel.parcelId}/retrieve`, { token: customer, json: { pickupCode: wrong(pickupCode) } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 403, body: errorBody('INVALID_PICKUP_CODE') });
  });

  it('locks the parcel after 5 wrong codes in a row: 429 even for the right code', async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);
    const pickupCode = await pickupCodeOf(parcel.parcelId, customer);
    const path = `/parcels/${parcel.parcelId}/retrieve`;
    const wrongStatuses: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      wrongStatuses.push((await call('POST', path, { token: customer, json: { pickupCode: wrong(pickupCode, attempt) } })).status);
    }

    // Act
    const reply = await call('POST', path, { token: customer, json: { pickupCode } });

    // Assess
    expect({ wrongStatuses, status: reply.status, body: reply.body }).toEqual({
      wrongStatuses: [403, 403, 403, 403, 403],
      status: 429,
      body: errorBody('TOO_MANY_ATTEMPTS'),
    });
  });

  it('lets the right code work again once the 15-minute lock has passed', async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);
    const pickupCode = await pickupCodeOf(parcel.parcelId, customer);
    const path = `/parcels/${parcel.parcelId}/retrieve`;
    for (let attempt = 1; attempt <= 5; attempt += 1) await call('POST', path, { token: customer, json: { pickupCode: wrong(pickupCode, attempt) } });
    await call('POST', '/_local/clock', { json: { advanceHours: 16 / 60 } });

    // Act
    const reply = await call('POST', path, { token: customer, json: { pickupCode } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 202,
      body: { parcelId: parcel.parcelId, status: 'COLLECTING', lockerId: parcel.lockerId, slotId: parcel.slotId, commandId: expect.any(String) },
    });
  });

  it('refuses a second retrieval with 409 INVALID_STATE', async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);
    const pickupCode = await pickupCodeOf(parcel.parcelId, customer);
    await call('POST', `/parcels/${parcel.parcelId}/retrieve`, { token: customer, json: { pickupCode } });
    await parcelOnce(parcel.parcelId, carrier, (view) => view.status === 'RETRIEVED');

    // Act
    const reply = await call('POST', `/parcels/${parcel.parcelId}/retrieve`, { token: customer, json: { pickupCode } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 409, body: errorBody('INVALID_STATE') });
  });

  it("answers 404 to a customer retrieving someone else's parcel, even with the right code", async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);
    const pickupCode = await pickupCodeOf(parcel.parcelId, customer);

    // Act
    const reply = await call('POST', `/parcels/${parcel.parcelId}/retrieve`, { token: await token('customer'), json: { pickupCode } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 404, body: errorBody('PARCEL_NOT_FOUND') });
  });

  it('refuses a code that is not ten digits with 400', async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);

    // Act
    const reply = await call('POST', `/parcels/${parcel.parcelId}/retrieve`, { token: customer, json: { pickupCode: '12ab' } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 400, body: validationBody() });
  });
});

describe('POST /parcels/{parcelId}/code', () => {
  it('issues a new code that works while the old one stops working', async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);
    const oldCode = await pickupCodeOf(parcel.parcelId, customer);

    // Act
    const reissued = await call('POST', `/parcels/${parcel.parcelId}/code`, { token: customer });
    const newCode = await pickupCodeOf(parcel.parcelId, customer);
    const withOld = await call('POST', `/parcels/${parcel.parcelId}/retrieve`, { token: customer, json: { pickupCode: oldCode } });
    const withNew = await call('POST', `/parcels/${parcel.parcelId}/retrieve`, { token: customer, json: { pickupCode: newCode } });

    // Assess
    expect({ reissued: reissued.status, changed: newCode !== oldCode, withOld: [withOld.status, withOld.body], withNew: withNew.status }).toEqual({
      reissued: 200,
      changed: true,
      withOld: [403, errorBody('INVALID_PICKUP_CODE')],
      withNew: 202,
    });
  });

  it('refuses a fourth new code within the hour with 429 and Retry-After, keeping the third', async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);
    const allowed: number[] = [];
    for (let i = 0; i < 3; i++) allowed.push((await call('POST', `/parcels/${parcel.parcelId}/code`, { token: customer })).status);
    const third = await pickupCodeOf(parcel.parcelId, customer);

    // Act
    const reply = await call('POST', `/parcels/${parcel.parcelId}/code`, { token: customer });

    // Assess
    expect({ allowed, status: reply.status, body: reply.body, code: await pickupCodeOf(parcel.parcelId, customer) }).toEqual({
      allowed: [200, 200, 200],
      status: 429,
      body: errorBody('TOO_MANY_ATTEMPTS'),
      code: third,
    });
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(3000);
  });

  it('refuses a new code for a parcel no longer STORED with 409', async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);
    await call('POST', `/parcels/${parcel.parcelId}/retrieve`, { token: customer, json: { pickupCode: await pickupCodeOf(parcel.parcelId, customer) } });
    await parcelOnce(parcel.parcelId, carrier, (view) => view.status === 'RETRIEVED');

    // Act
    const reply = await call('POST', `/parcels/${parcel.parcelId}/code`, { token: customer });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 409, body: errorBody('INVALID_STATE') });
  });

  it("answers 404 to a customer asking for a new code for someone else's parcel", async () => {
    // Prepare
    const { admin, carrier, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);

    // Act
    const reply = await call('POST', `/parcels/${parcel.parcelId}/code`, { token: await token('customer') });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 404, body: errorBody('PARCEL_NOT_FOUND') });
  });
});

describe('POST /locations/{locationId}/pickup', () => {
  it("hands the parcel over at the kiosk of the parcel's location", async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);
    const kiosk = await token('kiosk', { locationId });

    // Act
    const reply = await call('POST', `/locations/${locationId}/pickup`, { token: kiosk, json: { pickupCode: await pickupCodeOf(parcel.parcelId, customer) } });

    // Assess
    const collected = await parcelOnce(parcel.parcelId, carrier, (view) => view.status === 'RETRIEVED');
    expect({ status: reply.status, body: reply.body, collected: collected.status }).toEqual({
      status: 202,
      body: { parcelId: parcel.parcelId, status: 'COLLECTING', lockerId: parcel.lockerId, slotId: parcel.slotId, commandId: expect.any(String) },
      collected: 'RETRIEVED',
    });
  });

  it('refuses a wrong code with 403', async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);
    const kiosk = await token('kiosk', { locationId });

    // Act
    const reply = await call('POST', `/locations/${locationId}/pickup`, { token: kiosk, json: { pickupCode: wrong(await pickupCodeOf(parcel.parcelId, customer)) } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 403, body: errorBody('INVALID_PICKUP_CODE') });
  });

  it('refuses the kiosk of another location with 403, even with the right code', async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const other = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);
    const otherKiosk = await token('kiosk', { locationId: other.locationId });

    // Act
    const reply = await call('POST', `/locations/${locationId}/pickup`, { token: otherKiosk, json: { pickupCode: await pickupCodeOf(parcel.parcelId, customer) } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 403, body: errorBody('FORBIDDEN') });
  });

  it('refuses a customer using the kiosk route with 403', async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);

    // Act
    const reply = await call('POST', `/locations/${locationId}/pickup`, { token: customer, json: { pickupCode: await pickupCodeOf(parcel.parcelId, customer) } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 403, body: errorBody('FORBIDDEN') });
  });

  it("refuses a location's kiosks with 429 and Retry-After once wrong codes spent the 5-minute window's budget, the right code too", async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);
    const pickupCode = await pickupCodeOf(parcel.parcelId, customer);
    const kiosk = await token('kiosk', { locationId });
    // Start at the top of a window, so the guesses below cannot straddle two.
    const { now } = (await call('POST', '/_local/clock', { json: { advanceHours: 1 / 3_600_000 } })).body as { now: string };
    const windowMs = 5 * 60_000;
    await call('POST', '/_local/clock', { json: { advanceHours: (windowMs - (Date.parse(now) % windowMs)) / 3_600_000 } });
    const wrongStatuses: number[] = [];
    for (let attempt = 1; attempt <= kioskBudget; attempt += 1) {
      wrongStatuses.push((await call('POST', `/locations/${locationId}/pickup`, { token: kiosk, json: { pickupCode: wrong(pickupCode, attempt) } })).status);
    }

    // Act
    const reply = await call('POST', `/locations/${locationId}/pickup`, { token: kiosk, json: { pickupCode } });

    // Assess
    expect({ wrongStatuses, status: reply.status, body: reply.body }).toEqual({
      wrongStatuses: Array.from({ length: kioskBudget }, () => 403),
      status: 429,
      body: errorBody('TOO_MANY_ATTEMPTS'),
    });
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(200);
    expect(Number(reply.headers.get('retry-after'))).toBeLessThanOrEqual(300);
  });
});
