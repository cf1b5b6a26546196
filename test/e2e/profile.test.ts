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
    // The token's own verified phone needs no code.
    const saved = { phone: '+447700900123', channels: ['sms'], locale: 'en', saved: true, verified: ['sms'], pending: [] };
    expect([suggested, put, read].map(({ status, body }) => ({ status, body }))).toEqual([
      {
        status: 200,
        body: { email: 'ana@example.com', phone: '+447700900123', channels: ['sms', 'email'], locale: 'en', saved: false, verified: ['sms', 'email'], pending: [] },
      },
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
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 200, body: { channels: [], locale: 'en', saved: false, verified: [], pending: [] } });
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
    expect(after.body).toEqual({ channels: [], locale: 'en', saved: false, verified: [], pending: [] });
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

describe('an address saved at /me is verified with a one-time code', () => {
  let phones = 0;
  /** A phone number no other test of the run uses (the 555-01xx range is reserved for fiction). */
  const uniquePhone = () => `+1555${String(Date.now() % 100_000).padStart(5, '0')}${String((phones += 1) % 10)}`;

  async function messagesTo(address: string): Promise<{ body: string }[]> {
    const reply = await call('GET', `/_local/messages?to=${encodeURIComponent(address)}`);
    expect(reply.status).toBe(200);
    return (reply.body as { items: { body: string }[] }).items;
  }

  async function codeSentTo(address: string): Promise<string> {
    const messages = await eventually(() => messagesTo(address), (items) => items.length > 0);
    const code = /\b(\d{6})\b/.exec(messages.at(-1)?.body ?? '')?.[1];
    expect(code).toMatch(/^\d{6}$/);
    return code!;
  }

  it('sends a code to a phone the token does not name, keeps it pending, and verifies it with POST /me/verify', async () => {
    // Prepare
    const customer = await token('customer');
    const phone = uniquePhone();

    // Act
    const put = await call('PUT', '/me', { token: customer, json: { phone } });
    const code = await codeSentTo(phone);
    const wrong = await call('POST', '/me/verify', { token: customer, json: { channel: 'sms', code: code === '000000' ? '000001' : '000000' } });
    const verified = await call('POST', '/me/verify', { token: customer, json: { channel: 'sms', code } });
    const again = await call('POST', '/me/verify', { token: customer, json: { channel: 'sms', code } });

    // Assess
    expect({ status: put.status, body: put.body }).toEqual({ status: 200, body: { phone, channels: ['sms'], locale: 'en', saved: true, verified: [], pending: ['sms'] } });
    expect({ status: wrong.status, code: (wrong.body as { error: { code: string } }).error.code }).toEqual({ status: 403, code: 'INVALID_VERIFICATION_CODE' });
    expect({ status: verified.status, body: verified.body }).toEqual({ status: 200, body: { phone, channels: ['sms'], locale: 'en', saved: true, verified: ['sms'], pending: [] } });
    expect({ status: again.status, code: (again.body as { error: { code: string } }).error.code }).toEqual({ status: 409, code: 'NO_CODE_PENDING' });
  });

  it('refuses a malformed code with 400 VALIDATION_ERROR', async () => {
    // Prepare
    const customer = await token('customer');

    // Act
    const reply = await call('POST', '/me/verify', { token: customer, json: { channel: 'sms', code: '12ab' } });

    // Assess
    expect({ status: reply.status, details: (reply.body as { error: { details: unknown } }).error.details }).toEqual({
      status: 400,
      details: [{ path: 'body.code', message: 'Must be the 6-digit code sent to the address' }],
    });
  });

  it('sends one phone at most 3 verification codes an hour, however often a profile names it: then 429 TOO_MANY_MESSAGES', async () => {
    // Prepare: 3 saves naming a phone nobody verified, the hour's budget of codes.
    const customer = await token('customer');
    const phone = uniquePhone();
    for (let i = 0; i < 3; i++) expect((await call('PUT', '/me', { token: customer, json: { phone } })).status).toBe(200);

    // Act
    const reply = await call('PUT', '/me', { token: customer, json: { phone } });

    // Assess
    expect({ status: reply.status, code: (reply.body as { error: { code: string } }).error.code, retryAfter: Number(reply.headers.get('retry-after')) > 0 }).toEqual({
      status: 429,
      code: 'TOO_MANY_MESSAGES',
      retryAfter: true,
    });
    expect(await messagesTo(phone)).toHaveLength(3);
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
