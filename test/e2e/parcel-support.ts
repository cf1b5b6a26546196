import { expect } from 'vitest';
import type { LocalStack } from '#infra/local/stack';
import { client, id } from './support.ts';

/**
 * What the parcel-service end-to-end files share: their actors, a location with an online locker,
 * a STORED parcel, its pickup code, and waiting for the doors. Every test makes its own location,
 * users and parcels, so no test depends on another having run. Doors move on their own time: a new
 * locker is online once its simulated locker connects, a parcel is STORED once its door opened and
 * closed, and a pickup frees its slot once the door closes, so tests wait for those states
 * (`eventually`), never for a fixed delay.
 */

/** VALIDATION_ERROR carries details when a schema refused a field. */
export function validationBody() {
  return { error: { code: 'VALIDATION_ERROR', message: expect.any(String), details: expect.any(Array) } };
}

export interface Actors {
  readonly admin: string;
  readonly carrier: string;
  readonly customerSub: string;
  readonly customer: string;
}

export interface StoredParcel {
  readonly parcelId: string;
  readonly status: string;
  readonly lockerId: string;
  readonly slotId: string;
  readonly slotSize: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly expiresAt: string;
}

/** Another ten digits, never the right ones. */
export const wrong = (code: string, offset = 1) => String((Number(code) + offset) % 10_000_000_000).padStart(10, '0');

export function parcelService(stack: () => LocalStack) {
  const { call, token, eventually } = client(stack);

  async function actors(): Promise<Actors> {
    const customerSub = id('customer');
    return {
      admin: await token('admin'),
      carrier: await token('carrier'),
      customerSub,
      customer: await stack().issueToken({ sub: customerSub, role: 'customer', email: 'c@example.com' }),
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

  return { call, token, eventually, actors, locationWithLocker, storeParcel, pickupCodeOf, freeSlots, freeSlotsOnceThey, parcelOnce };
}
