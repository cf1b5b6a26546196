import { describe, expect, it } from 'vitest';
import { parcelService } from './parcel-support.ts';
import { errorBody, id, stackForFile } from './support.ts';

/**
 * A parcel's way in and back out without its recipient: stored, followed, listed, cancelled, and
 * expired then returned.
 * Real HTTP against the local gateway, the real handlers, and DynamoDB Local: the e2e project runs
 * the handlers from source (`npm start`), the e2e-assembly project the synthesized bundles
 * (`npm run start:assembly`). One stack for the file; the service clock only moves forward here.
 */
const stack = stackForFile();
const { call, token, actors, locationWithLocker, storeParcel, pickupCodeOf, freeSlots, freeSlotsOnceThey, parcelOnce } = parcelService(stack);

describe('POST /parcels', () => {
  it('starts storing a parcel in the smallest free slot that fits and never returns the code', async () => {
    // Prepare
    const { admin, carrier, customerSub } = await actors();
    const { locationId, lockerId } = await locationWithLocker(admin, { S: 1, M: 1, L: 1 });

    // Act
    const reply = await call('POST', '/parcels', { token: carrier, json: { locationId, recipientId: customerSub, size: 'M' } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 201,
      body: { parcelId: expect.any(String), status: 'DEPOSITING', locationId, lockerId, slotId: '02', slotSize: 'M', commandId: expect.any(String) },
    });
  });

  it('answers DEPOSITING without expiresAt, and the parcel is STORED with expiresAt once its door closed', async () => {
    // Prepare
    const { admin, carrier, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin, { S: 1 });

    // Act
    const reply = await call('POST', '/parcels', { token: carrier, json: { locationId, recipientId: customerSub, size: 'S' } });

    // Assess
    const { parcelId } = reply.body as { parcelId: string };
    const stored = await parcelOnce(parcelId, carrier, (view) => view.status === 'STORED');
    expect({ status: reply.status, hasExpiry: 'expiresAt' in (reply.body as object), stored }).toEqual({
      status: 201,
      hasExpiry: false,
      stored: expect.objectContaining({ parcelId, status: 'STORED', slotId: '01', expiresAt: expect.any(String) }),
    });
  });

  it('sets expiresAt at the end of the location pickup window', async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin, { S: 1 }, 24);

    // Act
    const parcel = await storeParcel(carrier, locationId, customerSub);

    // Assess
    // The window starts when the door closes on the parcel: the STORED transition's updatedAt.
    const viewed = (await call('GET', `/parcels/${parcel.parcelId}`, { token: customer })).body as { createdAt: string; expiresAt: string };
    expect({
      expiresAt: parcel.expiresAt,
      windowHours: (Date.parse(parcel.expiresAt) - Date.parse(parcel.updatedAt)) / 3_600_000,
      notBeforeCreation: Date.parse(viewed.expiresAt) - Date.parse(viewed.createdAt) >= 24 * 3_600_000,
    }).toEqual({
      expiresAt: viewed.expiresAt,
      windowHours: 24,
      notBeforeCreation: true,
    });
  });

  it('answers 404 LOCATION_NOT_FOUND for an unknown location', async () => {
    // Prepare
    const { carrier, customerSub } = await actors();

    // Act
    const reply = await call('POST', '/parcels', { token: carrier, json: { locationId: id('nowhere'), recipientId: customerSub, size: 'S' } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 404, body: errorBody('LOCATION_NOT_FOUND') });
  });

  it('answers 409 NO_SLOT_AVAILABLE when no free slot fits', async () => {
    // Prepare
    const { admin, carrier, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin, { S: 2 });

    // Act
    const reply = await call('POST', '/parcels', { token: carrier, json: { locationId, recipientId: customerSub, size: 'L' } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 409, body: errorBody('NO_SLOT_AVAILABLE') });
  });

  it('refuses a customer storing a parcel with 403', async () => {
    // Prepare
    const { admin, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);

    // Act
    const reply = await call('POST', '/parcels', { token: customer, json: { locationId, recipientId: customerSub, size: 'S' } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 403, body: errorBody('FORBIDDEN') });
  });

  it('returns the same parcel for a repeated Idempotency-Key and claims only one slot', async () => {
    // Prepare
    const { admin, carrier, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin, { S: 3 });
    const request = { token: carrier, json: { locationId, recipientId: customerSub, size: 'S' }, headers: { 'Idempotency-Key': id('store') } };

    // Act
    const first = await call('POST', '/parcels', request);
    const second = await call('POST', '/parcels', request);

    // Assess
    const { parcelId, lockerId, slotId, slotSize, commandId } = first.body as Record<string, string>;
    expect({ first: [first.status, first.body], second: [second.status, second.body], free: await freeSlots(locationId, admin) }).toEqual({
      first: [201, expect.objectContaining({ status: 'DEPOSITING' })],
      // The replay answers the same parcel as it is now: still DEPOSITING or already STORED.
      second: [201, expect.objectContaining({ parcelId, locationId, lockerId, slotId, slotSize, ...(second.body as { status?: string }).status === 'DEPOSITING' ? { commandId } : {} })],
      free: { S: 2, M: 0, L: 0 },
    });
  });
});

describe('GET /parcels/{parcelId}', () => {
  it('shows the owner the pickup code while the parcel is STORED', async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);

    // Act
    const reply = await call('GET', `/parcels/${parcel.parcelId}`, { token: customer });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 200,
      body: expect.objectContaining({ parcelId: parcel.parcelId, status: 'STORED', pickupCode: expect.stringMatching(/^\d{10}$/) }),
    });
  });

  it('never shows the pickup code to the carrier or an admin', async () => {
    // Prepare
    const { admin, carrier, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);

    // Act
    const replies = await Promise.all([carrier, admin].map((viewer) => call('GET', `/parcels/${parcel.parcelId}`, { token: viewer })));

    // Assess
    expect(replies.map((reply) => [reply.status, 'pickupCode' in (reply.body as object)])).toEqual([
      [200, false],
      [200, false],
    ]);
  });

  it('stops showing the owner the pickup code once the parcel is retrieved', async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);
    await call('POST', `/parcels/${parcel.parcelId}/retrieve`, { token: customer, json: { pickupCode: await pickupCodeOf(parcel.parcelId, customer) } });
    await parcelOnce(parcel.parcelId, carrier, (view) => view.status === 'RETRIEVED');

    // Act
    const reply = await call('GET', `/parcels/${parcel.parcelId}`, { token: customer });

    // Assess
    expect({ status: reply.status, parcelStatus: (reply.body as { status: string }).status, hasCode: 'pickupCode' in (reply.body as object) }).toEqual({
      status: 200,
      parcelStatus: 'RETRIEVED',
      hasCode: false,
    });
  });

  it("answers 404 for another customer's parcel, as for one that does not exist", async () => {
    // Prepare
    const { admin, carrier, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);
    const stranger = await token('customer');

    // Act
    const theirs = await call('GET', `/parcels/${parcel.parcelId}`, { token: stranger });
    const missing = await call('GET', `/parcels/${id('parcel')}`, { token: stranger });

    // Assess
    expect({ theirs: [theirs.status, theirs.body], missing: [missing.status] }).toEqual({ theirs: [404, missing.body], missing: [404] });
  });
});

describe('GET /parcels', () => {
  it("lists a customer's own parcels only", async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin, { S: 2 });
    const mine = await storeParcel(carrier, locationId, customerSub);
    await storeParcel(carrier, locationId, id('someone-else'));

    // Act
    const reply = await call('GET', '/parcels', { token: customer });

    // Assess
    const items = (reply.body as { items: { parcelId: string; pickupCode?: string }[] }).items;
    expect({ status: reply.status, parcelIds: items.map((item) => item.parcelId) }).toEqual({ status: 200, parcelIds: [mine.parcelId] });
  });

  it("lets an admin filter every customer's parcels by location", async () => {
    // Prepare
    const { admin, carrier } = await actors();
    const { locationId } = await locationWithLocker(admin, { S: 2 });
    const first = await storeParcel(carrier, locationId, id('customer'));
    const second = await storeParcel(carrier, locationId, id('customer'));

    // Act
    const reply = await call('GET', `/parcels?locationId=${locationId}`, { token: admin });

    // Assess
    const items = (reply.body as { items: { parcelId: string }[] }).items;
    expect({ status: reply.status, parcelIds: items.map((item) => item.parcelId).sort() }).toEqual({
      status: 200,
      parcelIds: [first.parcelId, second.parcelId].sort(),
    });
  });
});

describe('POST /parcels/{parcelId}/cancel', () => {
  it('cancels a stored parcel and frees its slot', async () => {
    // Prepare
    const { admin, carrier, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin, { S: 1 });
    const parcel = await storeParcel(carrier, locationId, customerSub);

    // Act
    const reply = await call('POST', `/parcels/${parcel.parcelId}/cancel`, { token: carrier });

    // Assess
    expect({ status: reply.status, body: reply.body, free: await freeSlotsOnceThey(locationId, admin, { S: 1, M: 0, L: 0 }) }).toEqual({
      status: 200,
      body: expect.objectContaining({ status: 'CANCELLED' }),
      free: { S: 1, M: 0, L: 0 },
    });
  });

  it('cancels a parcel still DEPOSITING and frees its slot', async () => {
    // Prepare
    const { admin, carrier, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin, { S: 1 });
    const created = await call('POST', '/parcels', { token: carrier, json: { locationId, recipientId: customerSub, size: 'S' } });
    const { parcelId, status } = created.body as { parcelId: string; status: string };

    // Act
    const reply = await call('POST', `/parcels/${parcelId}/cancel`, { token: carrier });

    // Assess
    expect({
      created: [created.status, status],
      status: reply.status,
      body: reply.body,
      free: await freeSlotsOnceThey(locationId, admin, { S: 1, M: 0, L: 0 }),
    }).toEqual({
      created: [201, 'DEPOSITING'],
      status: 200,
      body: expect.objectContaining({ status: 'CANCELLED' }),
      free: { S: 1, M: 0, L: 0 },
    });
  });

  it('answers a repeated cancel with 200 CANCELLED, as a retry after a lost answer needs', async () => {
    // Prepare
    const { admin, carrier, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);
    await call('POST', `/parcels/${parcel.parcelId}/cancel`, { token: admin });

    // Act
    const reply = await call('POST', `/parcels/${parcel.parcelId}/cancel`, { token: admin });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 200, body: expect.objectContaining({ parcelId: parcel.parcelId, status: 'CANCELLED' }) });
  });

  it('refuses a customer cancelling with 403', async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);

    // Act
    const reply = await call('POST', `/parcels/${parcel.parcelId}/cancel`, { token: customer });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 403, body: errorBody('FORBIDDEN') });
  });
});

describe('expiry and return', () => {
  it('expires a parcel past its window on the sweep, refuses pickup, and lets the carrier return it', async () => {
    // Prepare
    const { admin, carrier, customer, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin, { S: 1 }, 1);
    const parcel = await storeParcel(carrier, locationId, customerSub);
    const pickupCode = await pickupCodeOf(parcel.parcelId, customer);
    const clock = await call('POST', '/_local/clock', { json: { advanceHours: 2 } });
    const sweep = await call('POST', '/_local/sweep');

    // Act
    const viewed = await call('GET', `/parcels/${parcel.parcelId}`, { token: customer });
    const pickup = await call('POST', `/parcels/${parcel.parcelId}/retrieve`, { token: customer, json: { pickupCode } });
    const returned = await call('POST', `/parcels/${parcel.parcelId}/return`, { token: carrier });

    // Assess
    expect({
      clock: clock.status,
      sweep: sweep.status,
      viewed: [(viewed.body as { status: string }).status, 'pickupCode' in (viewed.body as object)],
      pickup: [pickup.status, pickup.body],
      returned: [returned.status, returned.body],
      free: await freeSlotsOnceThey(locationId, admin, { S: 1, M: 0, L: 0 }),
    }).toEqual({
      clock: 200,
      sweep: 200,
      viewed: ['EXPIRED', false],
      pickup: [409, errorBody('PARCEL_EXPIRED')],
      returned: [200, expect.objectContaining({ status: 'RETURNED' })],
      free: { S: 1, M: 0, L: 0 },
    });
  });

  it('refuses to return a parcel that has not expired with 409', async () => {
    // Prepare
    const { admin, carrier, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);

    // Act
    const reply = await call('POST', `/parcels/${parcel.parcelId}/return`, { token: carrier });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 409, body: errorBody('INVALID_STATE') });
  });

  it('moves the service clock forward through POST /_local/clock', async () => {
    // Prepare
    const before = Date.now();

    // Act
    const reply = await call('POST', '/_local/clock', { json: { advanceHours: 1 } });

    // Assess
    const now = Date.parse((reply.body as { now: string }).now);
    expect({ status: reply.status, movedAtLeastAnHour: now - before >= 3_600_000 }).toEqual({ status: 200, movedAtLeastAnHour: true });
  });
});
