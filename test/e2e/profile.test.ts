import { describe, expect, it } from 'vitest';
import { client, stackForFile, errorBody, id } from './support.ts';

/**
 * Whom to tell (issue 9), as a client sees it: a customer's profile at `/me`, and the contact a
 * carrier gives for the recipient in `POST /parcels`, over HTTP through the local gateway (the
 * routes it serves are derived from the manifest). One stack for the file; every test makes its
 * own users.
 */
const stack = stackForFile();
const { call, token, eventually } = client(stack);

describe('a customer profile at /me', () => {
  it('suggests a profile from the token, then answers what the customer put, saved', async () => {
    // Prepare
    const customer = await token('customer', { email: 'ana@example.com', phone: '+447700900123' });

    // Act
    const suggested = await call('GET', '/me', { token: customer });
    const put = await call('PUT', '/me', { token: customer, json: { phone: '+447700900123', channels: ['sms'], locale: 'en-GB' } });
    const read = await call('GET', '/me', { token: customer });

    // Assess
    const saved = { phone: '+447700900123', channels: ['sms'], locale: 'en', saved: true };
    expect([suggested, put, read].map(({ status, body }) => ({ status, body }))).toEqual([
      { status: 200, body: { email: 'ana@example.com', phone: '+447700900123', channels: ['sms', 'email'], locale: 'en', saved: false } },
      { status: 200, body: saved },
      { status: 200, body: saved },
    ]);
  });

  it('answers an empty profile, not a 404, when nothing is known', async () => {
    // Prepare
    const customer = await token('customer');

    // Act
    const reply = await call('GET', '/me', { token: customer });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 200, body: { channels: [], locale: 'en', saved: false } });
  });

  it('refuses a phone not in E.164 with 400 VALIDATION_ERROR at body.phone, and saves nothing', async () => {
    // Prepare
    const customer = await token('customer');

    // Act
    const reply = await call('PUT', '/me', { token: customer, json: { phone: '07700 900123' } });
    const after = await call('GET', '/me', { token: customer });

    // Assess
    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 400,
      body: {
        error: {
          code: 'VALIDATION_ERROR',
          message: 'The request body is not valid',
          details: [{ path: 'body.phone', message: 'Must be a phone number in E.164 form, such as +447700900123' }],
        },
      },
    });
    expect(after.body).toEqual({ channels: [], locale: 'en', saved: false });
  });

  it('refuses a channel without its address with 400 VALIDATION_ERROR at body.channels', async () => {
    // Prepare
    const customer = await token('customer');

    // Act
    const reply = await call('PUT', '/me', { token: customer, json: { email: 'ana@example.com', channels: ['sms'] } });

    // Assess
    expect({ status: reply.status, details: (reply.body as { error: { details: unknown } }).error.details }).toEqual({
      status: 400,
      details: [{ path: 'body.channels', message: 'sms needs a phone number' }],
    });
  });

  it('is only for customers: admins, carriers and kiosks get 403 FORBIDDEN both ways', async () => {
    // Prepare
    const others = [await token('admin'), await token('carrier'), await token('kiosk', { locationId: id('loc') })];

    // Act
    const replies = await Promise.all(
      others.flatMap((other) => [call('GET', '/me', { token: other }), call('PUT', '/me', { token: other, json: { email: 'x@example.com' } })]),
    );

    // Assess
    expect(replies.map(({ status, body }) => ({ status, body }))).toEqual(replies.map(() => ({ status: 403, body: errorBody('FORBIDDEN') })));
  });
});

describe('the recipient contact a carrier gives in POST /parcels', () => {
  async function onlineLocation(admin: string) {
    const locationId = id('loc');
    const lockerId = id('lk');
    expect((await call('POST', '/locations', { token: admin, json: { locationId, name: 'Market Hall', address: '2 Market Street' } })).status).toBe(201);
    expect((await call('POST', `/locations/${locationId}/lockers`, { token: admin, json: { lockerId, slots: { S: 2 } } })).status).toBe(201);
    const lockers = await eventually(
      async () => ((await call('GET', `/locations/${locationId}`, { token: admin })).body as { lockers?: { online: boolean }[] }).lockers,
      (found) => found?.[0]?.online === true,
    );
    expect(lockers?.[0]?.online).toBe(true);
    return locationId;
  }

  it('is shown to the recipient, the carrier and admins, and to no other carrier, customer or kiosk', async () => {
    // Prepare
    const admin = await token('admin');
    const carrier = await token('carrier');
    const recipientSub = id('customer');
    const recipient = await stack().issueToken({ sub: recipientSub, role: 'customer' });
    const locationId = await onlineLocation(admin);
    const contact = { email: 'dee@example.com', phone: '+33612345678' };

    // Act
    const stored = await call('POST', '/parcels', { token: carrier, json: { locationId, recipientId: recipientSub, size: 'S', recipient: contact } });
    const { parcelId } = stored.body as { parcelId: string };
    const kiosk = await token('kiosk', { locationId });
    const viewers = [recipient, carrier, admin, await token('carrier'), await token('customer'), kiosk];
    const byId = await Promise.all(viewers.map((viewer) => call('GET', `/parcels/${parcelId}`, { token: viewer })));
    const listed = await call('GET', `/parcels?locationId=${locationId}`, { token: recipient });

    // Assess
    expect(stored.status).toBe(201);
    expect(byId.map(({ status, body }) => ({ status, contact: (body as { recipientContact?: unknown }).recipientContact }))).toEqual([
      { status: 200, contact },
      { status: 200, contact },
      { status: 200, contact },
      { status: 404, contact: undefined },
      { status: 404, contact: undefined },
      { status: 403, contact: undefined },
    ]);
    expect((listed.body as { items: { parcelId: string; recipientContact?: unknown }[] }).items.map((item) => [item.parcelId, item.recipientContact])).toEqual([[parcelId, contact]]);
  });

  it('refuses an empty recipient with 400 VALIDATION_ERROR at body.recipient', async () => {
    // Prepare
    const carrier = await token('carrier');

    // Act
    const reply = await call('POST', '/parcels', { token: carrier, json: { locationId: id('loc'), recipientId: id('customer'), size: 'S', recipient: {} } });

    // Assess
    expect({ status: reply.status, details: (reply.body as { error: { details: unknown } }).error.details }).toEqual({
      status: 400,
      details: [{ path: 'body.recipient', message: 'Give an email address, a phone number or both' }],
    });
  });
});
