import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { issueToken } from '#infra/local/auth';
import { startLocalStack } from '#infra/local/stack';
import type { LocalStack } from '#infra/local/stack';
import { client, errorBody, id } from './support.ts';

/**
 * The service as a client sees it: real HTTP against the local gateway, the real handlers, and
 * DynamoDB Local. The e2e project runs the handlers from source (`npm start`); the e2e-assembly
 * project runs the same tests against the synthesized bundles (`npm run start:assembly`).
 * One stack for the file; every test makes its own location, users and parcels.
 * The service clock only moves forward here, so no test depends on another having run.
 * Doors move on their own time: a new locker is online once its simulated locker connects, a
 * parcel is STORED once its door opened and closed, and a pickup frees its slot once the door
 * closes, so tests wait for those states (`eventually`), never for a fixed delay.
 */
let stack: LocalStack;
const kioskBudget = 5;
const { call, token, eventually } = client(() => stack);

beforeAll(async () => {
  const assemblyDirectory = inject('assemblyDirectory');
  stack = await startLocalStack({
    port: 0,
    dynamoEndpoint: inject('dynamoEndpoint'),
    // Spending the production budget (500 a window) would take 500 requests; the rule is the same.
    kioskAttemptsPerWindow: kioskBudget,
    ...(assemblyDirectory === undefined ? {} : { mode: 'assembly', assemblyDirectory }),
  });
});

afterAll(async () => {
  await stack?.stop();
});

/** For refusals whose status the issue fixes but whose code it leaves to the implementation. */
function someErrorBody() {
  return { error: { code: expect.stringMatching(/^[A-Z][A-Z_]*[A-Z]$/), message: expect.any(String) } };
}

/** VALIDATION_ERROR carries details when a schema refused a field. */
function validationBody() {
  return { error: { code: 'VALIDATION_ERROR', message: expect.any(String), details: expect.any(Array) } };
}

interface Actors {
  readonly admin: string;
  readonly carrier: string;
  readonly customerSub: string;
  readonly customer: string;
}

async function actors(): Promise<Actors> {
  const customerSub = id('customer');
  return {
    admin: await token('admin'),
    carrier: await token('carrier'),
    customerSub,
    customer: await stack.issueToken({ sub: customerSub, role: 'customer', email: 'c@example.com' }),
  };
}

/** A location with one locker; the slots are numbered S first, then M, then L. */
async function locationWithLocker(admin: string, slots: { S?: number; M?: number; L?: number } = { S: 1, M: 1, L: 1 }, pickupWindowHours?: number) {
  const locationId = id('loc');
  const lockerId = id('lk');
  const created = await call('POST', '/locations', {
    token: admin,
    json: { locationId, name: 'Central Station', address: '1 Station Square', ...(pickupWindowHours === undefined ? {} : { pickupWindowHours }) },
  });
  expect(created.status).toBe(201);
  const locker = await call('POST', `/locations/${locationId}/lockers`, { token: admin, json: { lockerId, slots } });
  expect(locker.status).toBe(201);
  const online = await eventually(
    async () => ((await call('GET', `/locations/${locationId}`, { token: admin })).body as { lockers?: { lockerId: string; online: boolean }[] }).lockers,
    (lockers) => lockers?.some((candidate) => candidate.lockerId === lockerId && candidate.online) === true,
  );
  expect(online?.find((candidate) => candidate.lockerId === lockerId)?.online).toBe(true);
  return { locationId, lockerId };
}

interface StoredParcel {
  readonly parcelId: string;
  readonly status: string;
  readonly lockerId: string;
  readonly slotId: string;
  readonly slotSize: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly expiresAt: string;
}

/** Stores a parcel and waits until its door has opened and closed on it (STORED). */
async function storeParcel(carrier: string, locationId: string, recipientId: string, size = 'S'): Promise<StoredParcel> {
  const created = await call('POST', '/parcels', { token: carrier, json: { locationId, recipientId, size } });
  expect(created.status).toBe(201);
  const { parcelId } = created.body as { parcelId: string };
  const stored = await eventually(
    async () => (await call('GET', `/parcels/${parcelId}`, { token: carrier })).body as StoredParcel,
    (view) => view.status === 'STORED',
  );
  expect(stored.status).toBe('STORED');
  return stored;
}

async function pickupCodeOf(parcelId: string, owner: string): Promise<string> {
  const parcel = await call('GET', `/parcels/${parcelId}`, { token: owner });
  expect(parcel.status).toBe(200);
  return (parcel.body as { pickupCode: string }).pickupCode;
}

/** Another ten digits, never the right ones. */
const wrong = (code: string, offset = 1) => String((Number(code) + offset) % 10_000_000_000).padStart(10, '0');

async function freeSlots(locationId: string, viewer: string): Promise<unknown> {
  const location = await call('GET', `/locations/${locationId}`, { token: viewer });
  return (location.body as { freeSlots: unknown }).freeSlots;
}

/** The free counts once they match: a slot is free again only after its door has closed. */
function freeSlotsOnceThey(locationId: string, viewer: string, expected: unknown): Promise<unknown> {
  return eventually(
    () => freeSlots(locationId, viewer),
    (free) => JSON.stringify(free) === JSON.stringify(expected),
  );
}

/** The parcel as its carrier sees it once `check` holds. */
function parcelOnce(parcelId: string, viewer: string, check: (view: { status: string }) => boolean) {
  return eventually(async () => (await call('GET', `/parcels/${parcelId}`, { token: viewer })).body as { status: string }, check);
}

describe('GET /health', () => {
  it('answers anyone with status ok', async () => {
    // Act
    const reply = await call('GET', '/health');

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 200, body: { status: 'ok' } });
  });
});

describe('authentication', () => {
  it('refuses a request without a token with 401', async () => {
    // Act
    const reply = await call('GET', '/locations');

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 401, body: errorBody('UNAUTHORIZED') });
  });

  it('refuses a token that is not a JWT with 401', async () => {
    // Act
    const reply = await call('GET', '/locations', { token: 'not-a-jwt' });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 401, body: errorBody('UNAUTHORIZED') });
  });

  it('refuses an expired token with 401', async () => {
    // Prepare
    const expired = await issueToken({ sub: 'admin-old', role: 'admin' }, { now: new Date(Date.now() - 13 * 3_600_000) });

    // Act
    const reply = await call('GET', '/locations', { token: expired });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 401, body: errorBody('UNAUTHORIZED') });
  });

  it('issues a working token from POST /_local/token', async () => {
    // Prepare
    const issued = await call('POST', '/_local/token', { json: { sub: id('admin'), role: 'admin' } });

    // Act
    const reply = await call('GET', '/locations', { token: (issued.body as { token: string }).token });

    // Assess
    expect({ issued: issued.status, listed: reply.status }).toEqual({ issued: 200, listed: 200 });
  });

  it('refuses to issue a token for an unknown role with 400', async () => {
    // Act
    const reply = await call('POST', '/_local/token', { json: { sub: 'someone', role: 'root' } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 400, body: validationBody() });
  });
});

describe('unknown routes', () => {
  it('answers 404 for a path no route serves', async () => {
    // Act
    const reply = await call('GET', '/lockers', { token: await token('admin') });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 404, body: errorBody('NOT_FOUND') });
  });

  it('answers 404 for a method a known path does not serve', async () => {
    // Act
    const reply = await call('PUT', '/parcels', { token: await token('carrier'), json: {} });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 404, body: errorBody('NOT_FOUND') });
  });
});

describe('locations, lockers and slots', () => {
  it('lets an admin create a location, with a 72-hour pickup window by default', async () => {
    // Prepare
    const { admin } = await actors();
    const locationId = id('loc');

    // Act
    const reply = await call('POST', '/locations', { token: admin, json: { locationId, name: 'Market', address: '2 Market Street' } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 201,
      body: { locationId, name: 'Market', address: '2 Market Street', pickupWindowHours: 72, createdAt: expect.any(String) },
    });
  });

  it('refuses a location id that already exists with 409', async () => {
    // Prepare
    const { admin } = await actors();
    const { locationId } = await locationWithLocker(admin);

    // Act
    const reply = await call('POST', '/locations', { token: admin, json: { locationId, name: 'Again', address: 'Elsewhere' } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 409, body: someErrorBody() });
  });

  it('refuses a carrier creating a location with 403', async () => {
    // Prepare
    const { carrier } = await actors();

    // Act
    const reply = await call('POST', '/locations', { token: carrier, json: { name: 'Mine', address: 'Here' } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 403, body: errorBody('FORBIDDEN') });
  });

  it('adds a locker whose slots are all FREE, offline until its hardware connects as the thing it names', async () => {
    // Prepare
    const { admin } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const lockerId = id('lk');

    // Act
    const reply = await call('POST', `/locations/${locationId}/lockers`, { token: admin, json: { lockerId, slots: { S: 1, L: 1 } } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 201,
      body: {
        locationId,
        lockerId,
        thingName: `${locationId}:${lockerId}`,
        online: false,
        slots: [
          { slotId: '01', size: 'S', status: 'FREE' },
          { slotId: '02', size: 'L', status: 'FREE' },
        ],
      },
    });
  });

  it('refuses a locker for an unknown location with 404', async () => {
    // Prepare
    const { admin } = await actors();

    // Act
    const reply = await call('POST', `/locations/${id('nowhere')}/lockers`, { token: admin, json: { slots: { S: 1 } } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 404, body: someErrorBody() });
  });

  it('shows a customer the free counts per size but not the slots', async () => {
    // Prepare
    const { admin, customer } = await actors();
    const { locationId } = await locationWithLocker(admin, { S: 2, M: 1 });

    // Act
    const reply = await call('GET', `/locations/${locationId}`, { token: customer });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 200,
      body: {
        locationId,
        name: 'Central Station',
        address: '1 Station Square',
        pickupWindowHours: 72,
        createdAt: expect.any(String),
        freeSlots: { S: 2, M: 1, L: 0 },
      },
    });
  });

  it('shows an admin every slot with its status', async () => {
    // Prepare
    const { admin } = await actors();
    const { locationId, lockerId } = await locationWithLocker(admin, { S: 1, M: 1 });

    // Act
    const reply = await call('GET', `/locations/${locationId}`, { token: admin });

    // Assess
    const lockers = (reply.body as { lockers: { lockerId: string; slots: { slotId: string; size: string; status: string }[] }[] }).lockers;
    expect(lockers.map((locker) => ({ lockerId: locker.lockerId, slots: locker.slots.map(({ slotId, size, status }) => ({ slotId, size, status })) }))).toEqual([
      { lockerId, slots: [{ slotId: '01', size: 'S', status: 'FREE' }, { slotId: '02', size: 'M', status: 'FREE' }] },
    ]);
  });

  it('lists locations to any role', async () => {
    // Prepare
    const { admin } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const kiosk = await token('kiosk', { locationId });

    // Act: every page (other tests add locations too).
    const statuses: number[] = [];
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const reply = await call('GET', `/locations?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: kiosk });
      const page = reply.body as { items: { locationId: string }[]; cursor?: string };
      statuses.push(reply.status);
      listed.push(...page.items.map((item) => item.locationId));
      cursor = page.cursor;
    } while (cursor);

    // Assess
    expect({ statuses: [...new Set(statuses)], listed: listed.includes(locationId) }).toEqual({ statuses: [200], listed: true });
  });

  it('answers 404 for an unknown location', async () => {
    // Prepare
    const { customer } = await actors();

    // Act
    const reply = await call('GET', `/locations/${id('nowhere')}`, { token: customer });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 404, body: someErrorBody() });
  });

  it('takes a free slot out of service and back', async () => {
    // Prepare
    const { admin } = await actors();
    const { locationId, lockerId } = await locationWithLocker(admin, { S: 1 });
    const slotPath = `/locations/${locationId}/lockers/${lockerId}/slots/01`;

    // Act
    const outOfService = await call('PATCH', slotPath, { token: admin, json: { status: 'OUT_OF_SERVICE' } });
    const free = await call('PATCH', slotPath, { token: admin, json: { status: 'FREE' } });

    // Assess
    expect([outOfService.status, outOfService.body, free.status, free.body]).toEqual([
      200,
      expect.objectContaining({ slotId: '01', size: 'S', status: 'OUT_OF_SERVICE' }),
      200,
      expect.objectContaining({ slotId: '01', size: 'S', status: 'FREE' }),
    ]);
  });

  it('refuses to free an occupied slot in service with 409 SLOT_OCCUPIED', async () => {
    // Prepare
    const { admin, carrier, customerSub } = await actors();
    const { locationId, lockerId } = await locationWithLocker(admin, { S: 1 });
    await storeParcel(carrier, locationId, customerSub);

    // Act
    // Taking an occupied slot out of service is allowed now (the parcel stays inside); FREE is not.
    const reply = await call('PATCH', `/locations/${locationId}/lockers/${lockerId}/slots/01`, { token: admin, json: { status: 'FREE' } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 409, body: errorBody('SLOT_OCCUPIED') });
  });

  it('never allocates a slot that is out of service', async () => {
    // Prepare
    const { admin, carrier, customerSub } = await actors();
    const { locationId, lockerId } = await locationWithLocker(admin, { S: 1 });
    await call('PATCH', `/locations/${locationId}/lockers/${lockerId}/slots/01`, { token: admin, json: { status: 'OUT_OF_SERVICE' } });

    // Act
    const reply = await call('POST', '/parcels', { token: carrier, json: { locationId, recipientId: customerSub, size: 'S' } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 409, body: errorBody('NO_SLOT_AVAILABLE') });
  });

  it('removes an empty locker with 204', async () => {
    // Prepare
    const { admin } = await actors();
    const { locationId, lockerId } = await locationWithLocker(admin);

    // Act
    const reply = await call('DELETE', `/locations/${locationId}/lockers/${lockerId}`, { token: admin });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 204, body: null });
  });

  it('refuses to remove a locker holding a parcel with 409 LOCKER_NOT_EMPTY', async () => {
    // Prepare
    const { admin, carrier, customerSub } = await actors();
    const { locationId, lockerId } = await locationWithLocker(admin);
    await storeParcel(carrier, locationId, customerSub);

    // Act
    const reply = await call('DELETE', `/locations/${locationId}/lockers/${lockerId}`, { token: admin });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 409, body: errorBody('LOCKER_NOT_EMPTY') });
  });
});

describe('request validation', () => {
  it('refuses malformed JSON with 400 VALIDATION_ERROR', async () => {
    // Prepare
    const { admin } = await actors();

    // Act
    const reply = await call('POST', '/locations', { token: admin, raw: '{"name": "Market",' });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 400, body: { error: expect.objectContaining({ code: 'VALIDATION_ERROR', message: expect.any(String) }) } });
  });

  it('refuses a body over 16 KB with 400 VALIDATION_ERROR even when it is otherwise valid', async () => {
    // Prepare
    const { admin } = await actors();
    const padded = `{"name":"Market","address":"2 Market Street"${' '.repeat(17 * 1024)}}`;

    // Act
    const reply = await call('POST', '/locations', { token: admin, raw: padded });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 400, body: { error: expect.objectContaining({ code: 'VALIDATION_ERROR', message: expect.any(String) }) } });
  });

  it('refuses a field of the wrong type with details', async () => {
    // Prepare
    const { admin } = await actors();

    // Act
    const reply = await call('POST', '/locations', { token: admin, json: { name: 'Market', address: 'Street', pickupWindowHours: 'three days' } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 400, body: validationBody() });
  });

  it('refuses an unknown enum value with details', async () => {
    // Prepare
    const { admin, carrier, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);

    // Act
    const reply = await call('POST', '/parcels', { token: carrier, json: { locationId, recipientId: customerSub, size: 'XL' } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 400, body: validationBody() });
  });

  it('refuses a missing field with details', async () => {
    // Prepare
    const { admin } = await actors();

    // Act
    const reply = await call('POST', '/locations', { token: admin, json: { name: 'Market' } });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 400, body: validationBody() });
  });

  it('refuses a JSON body that is not an object with 400, never a 5xx', async () => {
    // Prepare
    const { carrier } = await actors();

    // Act
    const replies = await Promise.all(['null', '[]', '"text"', '42'].map((raw) => call('POST', '/parcels', { token: carrier, raw })));

    // Assess
    expect(replies.map((reply) => reply.status)).toEqual([400, 400, 400, 400]);
  });

  it('refuses a request without a body with 400', async () => {
    // Prepare
    const { carrier } = await actors();

    // Act
    const reply = await call('POST', '/parcels', { token: carrier });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 400, body: { error: expect.objectContaining({ code: 'VALIDATION_ERROR' }) } });
  });
});

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
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 404, body: someErrorBody() });
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
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 409, body: someErrorBody() });
  });

  it("answers 404 to a customer asking for a new code for someone else's parcel", async () => {
    // Prepare
    const { admin, carrier, customerSub } = await actors();
    const { locationId } = await locationWithLocker(admin);
    const parcel = await storeParcel(carrier, locationId, customerSub);

    // Act
    const reply = await call('POST', `/parcels/${parcel.parcelId}/code`, { token: await token('customer') });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 404, body: someErrorBody() });
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
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 403, body: someErrorBody() });
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
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 409, body: someErrorBody() });
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
