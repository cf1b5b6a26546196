import { describe, expect, it } from 'vitest';
import { client, errorBody, id, stackForFile } from './support.ts';

/**
 * Doors end to end: HTTP in, MQTT to simulated lockers (one per locker in the table, started by
 * the stack), their reports back through the topic rules to the reconciler. Runs against `npm
 * start` and against the synthesized bundles (`npm run start:assembly`).
 */
const stack = stackForFile();
const { call, token, eventually } = client(stack);

interface SlotView {
  readonly slotId: string;
  readonly status: string;
  readonly occupancy: string;
  readonly service: string;
  readonly fault?: string;
  readonly door?: { readonly lock: string; readonly door: string };
}
interface LockerView {
  readonly lockerId: string;
  readonly online: boolean;
  readonly thingName?: string;
  readonly slots: SlotView[];
}
interface ParcelBody {
  readonly parcelId: string;
  readonly status: string;
  readonly lockerId: string;
  readonly slotId: string;
  readonly commandId?: string;
  readonly expiresAt?: string;
  readonly pickupCode?: string;
}

interface World {
  readonly admin: string;
  readonly carrier: string;
  readonly recipientId: string;
  readonly customer: string;
  readonly locationId: string;
  readonly lockerId: string;
}

/** A location with one locker whose simulated locker is connected. */
async function world(slots: Record<string, number> = { S: 1, M: 1 }): Promise<World> {
  const admin = await token('admin');
  const recipientId = id('customer');
  const locationId = id('loc');
  const lockerId = id('lk');
  expect((await call('POST', '/locations', { token: admin, json: { locationId, name: 'Doors', address: '1 Door St' } })).status).toBe(201);
  expect((await call('POST', `/locations/${locationId}/lockers`, { token: admin, json: { lockerId, slots } })).status).toBe(201);
  await eventually(() => locker(admin, locationId, lockerId), (view) => view?.online === true);
  return { admin, carrier: await token('carrier'), recipientId, customer: await stack().issueToken({ sub: recipientId, role: 'customer' }), locationId, lockerId };
}

async function locker(admin: string, locationId: string, lockerId: string): Promise<LockerView | undefined> {
  const reply = await call('GET', `/locations/${locationId}`, { token: admin });
  return (reply.body as { lockers?: LockerView[] }).lockers?.find((candidate) => candidate.lockerId === lockerId);
}

async function slot(w: World, slotId: string): Promise<SlotView | undefined> {
  return (await locker(w.admin, w.locationId, w.lockerId))?.slots.find((candidate) => candidate.slotId === slotId);
}

async function parcel(w: World, parcelId: string, viewer = w.carrier): Promise<ParcelBody> {
  return (await call('GET', `/parcels/${parcelId}`, { token: viewer })).body as ParcelBody;
}

async function store(w: World, size = 'S'): Promise<ParcelBody> {
  const reply = await call('POST', '/parcels', { token: w.carrier, json: { locationId: w.locationId, recipientId: w.recipientId, size } });
  expect(reply.status).toBe(201);
  return reply.body as ParcelBody;
}

async function stored(w: World, size = 'S'): Promise<ParcelBody> {
  const created = await store(w, size);
  const done = await eventually(() => parcel(w, created.parcelId), (view) => view.status === 'STORED');
  expect(done.status).toBe('STORED');
  return done;
}

const door = (w: World, slotId: string, body: unknown) =>
  call('POST', `/_local/lockers/${w.locationId}/${w.lockerId}/doors/${slotId}`, { json: body });

describe('a deposit through the door', () => {
  it('answers DEPOSITING with the command, and the parcel is STORED once the door opened and closed', async () => {
    // Prepare
    const w = await world();

    // Act
    const created = await store(w);

    // Assess
    expect(created).toMatchObject({ status: 'DEPOSITING', commandId: expect.any(String), slotId: '01' });
    expect(created.expiresAt).toBeUndefined();
    const done = await eventually(() => parcel(w, created.parcelId), (view) => view.status === 'STORED');
    expect(done).toMatchObject({ status: 'STORED', expiresAt: expect.any(String) });
    expect(await slot(w, '01')).toMatchObject({ status: 'OCCUPIED', occupancy: 'OCCUPIED', service: 'IN_SERVICE', door: { lock: 'LOCKED', door: 'CLOSED' } });
  });

  it('moves the parcel to another slot when the first door is jammed, and takes that slot out of service', async () => {
    // Prepare
    const w = await world({ S: 1, M: 1 });
    expect((await door(w, '01', { fault: 'JAMMED' })).status).toBe(200);

    // Act
    const created = await store(w);

    // Assess
    expect(created.slotId).toBe('01');
    const moved = await eventually(() => parcel(w, created.parcelId), (view) => view.status === 'STORED');
    expect(moved).toMatchObject({ status: 'STORED', slotId: '02' });
    expect(await slot(w, '01')).toMatchObject({ status: 'OUT_OF_SERVICE', occupancy: 'FREE', fault: 'JAMMED' });
  });

  it('ends DEPOSIT_FAILED when no other slot is left', async () => {
    // Prepare
    const w = await world({ S: 1 });
    await door(w, '01', { fault: 'JAMMED' });

    // Act
    const created = await store(w);

    // Assess
    const failed = await eventually(() => parcel(w, created.parcelId), (view) => view.status === 'DEPOSIT_FAILED');
    expect(failed.status).toBe('DEPOSIT_FAILED');
    expect(await slot(w, '01')).toMatchObject({ occupancy: 'FREE', service: 'OUT_OF_SERVICE', fault: 'JAMMED' });
  });
});

describe('a pickup through the door', () => {
  it('by the owner answers 202 COLLECTING; the parcel is RETRIEVED when the door opens and the slot FREE once it closes', async () => {
    // Prepare
    const w = await world();
    const { parcelId } = await stored(w);
    const code = (await parcel(w, parcelId, w.customer)).pickupCode;

    // Act
    const reply = await call('POST', `/parcels/${parcelId}/retrieve`, { token: w.customer, json: { pickupCode: code } });

    // Assess
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ parcelId, status: 'COLLECTING', lockerId: w.lockerId, slotId: '01', commandId: expect.any(String) });
    expect((await eventually(() => parcel(w, parcelId), (view) => view.status === 'RETRIEVED')).status).toBe('RETRIEVED');
    expect((await eventually(() => slot(w, '01'), (view) => view?.status === 'FREE'))?.status).toBe('FREE');
  });

  it('by the kiosk answers 202 COLLECTING and the parcel is RETRIEVED', async () => {
    // Prepare
    const w = await world();
    const { parcelId } = await stored(w);
    const code = (await parcel(w, parcelId, w.customer)).pickupCode;
    const kiosk = await token('kiosk', { locationId: w.locationId });

    // Act
    const reply = await call('POST', `/locations/${w.locationId}/pickup`, { token: kiosk, json: { pickupCode: code } });

    // Assess
    expect(reply.status).toBe(202);
    expect((await eventually(() => parcel(w, parcelId), (view) => view.status === 'RETRIEVED')).status).toBe('RETRIEVED');
  });

  it('returns the parcel to STORED when its door is jammed, with the slot out of service and the parcel inside', async () => {
    // Prepare
    const w = await world();
    const { parcelId } = await stored(w);
    const code = (await parcel(w, parcelId, w.customer)).pickupCode;
    await door(w, '01', { fault: 'JAMMED' });

    // Act
    const reply = await call('POST', `/parcels/${parcelId}/retrieve`, { token: w.customer, json: { pickupCode: code } });

    // Assess
    expect(reply.status).toBe(202);
    const faulted = await eventually(() => slot(w, '01'), (view) => view?.fault === 'JAMMED');
    expect(faulted).toMatchObject({ status: 'OUT_OF_SERVICE', occupancy: 'OCCUPIED', fault: 'JAMMED' });
    expect(await parcel(w, parcelId)).toMatchObject({ status: 'STORED', failedAttempts: 0 });
  });

  it('answers LOCKER_OFFLINE at an offline locker and changes nothing', async () => {
    // Prepare
    const w = await world();
    const { parcelId } = await stored(w);
    const code = (await parcel(w, parcelId, w.customer)).pickupCode;
    expect((await call('POST', `/_local/lockers/${w.locationId}/${w.lockerId}`, { json: { online: false } })).status).toBe(200);
    await eventually(() => locker(w.admin, w.locationId, w.lockerId), (view) => view?.online === false);

    // Act
    const reply = await call('POST', `/parcels/${parcelId}/retrieve`, { token: w.customer, json: { pickupCode: code } });
    const storing = await call('POST', '/parcels', { token: w.carrier, json: { locationId: w.locationId, recipientId: w.recipientId, size: 'S' } });
    const viewed = await call('GET', `/locations/${w.locationId}`, { token: w.customer });

    // Assess: the free M door of the offline locker is free to nobody, and the store says why.
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 409, body: errorBody('LOCKER_OFFLINE') });
    expect({ status: storing.status, body: storing.body }).toEqual({ status: 409, body: errorBody('LOCKER_OFFLINE') });
    expect((viewed.body as { freeSlots: unknown }).freeSlots).toEqual({ S: 0, M: 0, L: 0 });
    expect(await parcel(w, parcelId)).toMatchObject({ status: 'STORED', failedAttempts: 0 });
  });
});

describe('doors misbehaving', () => {
  it('takes a slot whose door was left open out of service, and back once it closes', async () => {
    // Prepare
    const w = await world({ S: 1 });
    await door(w, '01', { fault: 'LEFT_OPEN' });
    const created = await store(w);
    await eventually(() => slot(w, '01'), (view) => view?.door?.door === 'OPEN');

    // Act
    await call('POST', '/_local/clock', { json: { advanceHours: 0.05 } });
    await call('POST', '/_local/sweep');

    // Assess
    expect(await slot(w, '01')).toMatchObject({ service: 'OUT_OF_SERVICE', fault: 'DOOR_LEFT_OPEN' });
    expect((await door(w, '01', { action: 'CLOSE' })).status).toBe(200);
    const back = await eventually(() => slot(w, '01'), (view) => view?.service === 'IN_SERVICE');
    expect(back).toMatchObject({ service: 'IN_SERVICE', occupancy: 'OCCUPIED' });
    expect((await parcel(w, created.parcelId)).status).toBe('STORED');
  });

  it('raises FORCED_OPEN when a door opens with no command behind it', async () => {
    // Prepare
    const w = await world({ S: 1 });
    await stored(w);

    // Act
    expect((await door(w, '01', { action: 'FORCE_OPEN' })).status).toBe(200);

    // Assess
    const forced = await eventually(() => slot(w, '01'), (view) => view?.fault === 'FORCED_OPEN');
    expect(forced).toMatchObject({ service: 'OUT_OF_SERVICE', fault: 'FORCED_OPEN' });
  });

  it('opens a door for maintenance and lets an admin return the slot to service once it is closed and locked', async () => {
    // Prepare
    const w = await world({ S: 1 });
    await call('PATCH', `/locations/${w.locationId}/lockers/${w.lockerId}/slots/01`, { token: w.admin, json: { status: 'OUT_OF_SERVICE', note: 'hinge' } });

    // Act
    const opened = await call('POST', `/locations/${w.locationId}/lockers/${w.lockerId}/slots/01/open`, { token: w.admin });

    // Assess
    expect(opened.status).toBe(202);
    await eventually(() => slot(w, '01'), (view) => view?.door?.door === 'OPEN');
    const closedAgain = await eventually(() => slot(w, '01'), (view) => view?.door?.lock === 'LOCKED' && view.door.door === 'CLOSED');
    expect(closedAgain).toMatchObject({ service: 'OUT_OF_SERVICE', fault: 'MAINTENANCE' });
    const back = await call('PATCH', `/locations/${w.locationId}/lockers/${w.lockerId}/slots/01`, { token: w.admin, json: { status: 'FREE' } });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ status: 'FREE', service: 'IN_SERVICE' });
  });

  it('shows admins each locker\u2019s thing name and online flag', async () => {
    const w = await world({ S: 1 });
    expect(await locker(w.admin, w.locationId, w.lockerId)).toMatchObject({ online: true, thingName: `${w.locationId}:${w.lockerId}` });
  });
});
