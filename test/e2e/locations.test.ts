import { describe, expect, it } from 'vitest';
import { parcelService } from './parcel-support.ts';
import { errorBody, id, stackForFile } from './support.ts';

/**
 * Locations, their lockers and slots, as admins, carriers and customers see them.
 * Real HTTP against the local gateway, the real handlers, and DynamoDB Local: the e2e project runs
 * the handlers from source (`npm start`), the e2e-assembly project the synthesized bundles
 * (`npm run start:assembly`). One stack for the file; the service clock only moves forward here.
 */
const stack = stackForFile();
const { call, token, actors, locationWithLocker, storeParcel } = parcelService(stack);

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
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 409, body: errorBody('LOCATION_EXISTS') });
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
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 404, body: errorBody('LOCATION_NOT_FOUND') });
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
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 404, body: errorBody('LOCATION_NOT_FOUND') });
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
