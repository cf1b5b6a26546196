import { describe, expect, it } from 'vitest';
import { client, stackForFile, id } from './support.ts';

/**
 * Notifications end to end: a customer's profile, a carrier's store through the simulated door, and
 * the SMS and email the recipient would get, read back from the local SNS and SES through
 * `GET /_local/messages`. The path under test is the deployed one: the event item every change
 * writes, the table's stream, the filtered event source mapping, the notify function, SNS and SES.
 * Runs against `npm start` and against the synthesized bundles (`npm run start:assembly`).
 */
const stack = stackForFile();
const { call, token, eventually } = client(stack);

interface Message {
  readonly channel: 'sms' | 'email';
  readonly to: string;
  readonly subject?: string;
  readonly body: string;
  readonly sentAt: string;
}

interface Recipient {
  readonly sub: string;
  readonly token: string;
  readonly phone: string;
  readonly email: string;
}

interface Stored {
  readonly parcelId: string;
  readonly pickupCode: string;
}

let phones = 0;
/** A phone number no other test of the run uses, in E.164 (the 555-01xx range is reserved for fiction). */
const uniquePhone = () => `+1555${String(Date.now() % 100_000).padStart(5, '0')}${String((phones += 1) % 10)}`;

async function messagesTo(address: string): Promise<Message[]> {
  const reply = await call('GET', `/_local/messages?to=${encodeURIComponent(address)}`);
  expect(reply.status).toBe(200);
  return (reply.body as { items: Message[] }).items;
}

/** Waits up to `timeoutMs` for a message to the address whose body satisfies `check`. */
async function arrives(address: string, check: (message: Message) => boolean, timeoutMs = 5_000): Promise<Message | undefined> {
  const messages = await eventually(() => messagesTo(address), (items) => items.some(check), timeoutMs);
  return messages.find(check);
}

/**
 * A customer with a saved profile asking for SMS and email, on the addresses their token names as
 * verified: those need no code, so nothing but the parcel's messages reaches them.
 */
async function recipient(): Promise<Recipient> {
  const sub = id('customer');
  const phone = uniquePhone();
  const email = `${sub}@example.com`;
  const customer = await stack().issueToken({ sub, role: 'customer', email, phone });
  const saved = await call('PUT', '/me', { token: customer, json: { email, phone, channels: ['sms', 'email'] } });
  expect({ status: saved.status, verified: (saved.body as { verified?: unknown }).verified }).toEqual({ status: 200, verified: ['sms', 'email'] });
  return { sub, token: customer, phone, email };
}

/** Time for anything in flight to arrive: four polls of the local stream. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 4 * stack().streams.pollIntervalMs));

/** A location with a connected simulated locker, and a parcel stored for the recipient through its door. */
async function stored(who: Pick<Recipient, 'sub' | 'token'>, carrier?: { token: string; contact: { phone?: string; email?: string } }): Promise<Stored> {
  const admin = await token('admin');
  const carrierToken = carrier?.token ?? (await token('carrier'));
  const locationId = id('loc');
  const lockerId = id('lk');
  expect((await call('POST', '/locations', { token: admin, json: { locationId, name: 'Station Square', address: '1 Station Square' } })).status).toBe(201);
  expect((await call('POST', `/locations/${locationId}/lockers`, { token: admin, json: { lockerId, slots: { S: 1 } } })).status).toBe(201);
  const online = await eventually(
    () => call('GET', `/locations/${locationId}`, { token: admin }),
    (reply) => (reply.body as { lockers?: { lockerId: string; online: boolean }[] }).lockers?.some((locker) => locker.online) === true,
  );
  expect(online.status).toBe(200);
  const created = await call('POST', '/parcels', {
    token: carrierToken,
    json: { locationId, recipientId: who.sub, size: 'S', ...(carrier === undefined ? {} : { recipient: carrier.contact }) },
  });
  expect(created.status).toBe(201);
  const { parcelId } = created.body as { parcelId: string };
  // The simulated door opens and closes by itself: the parcel becomes collectable once it has closed.
  const view = await eventually(
    () => call('GET', `/parcels/${parcelId}`, { token: who.token }),
    (reply) => (reply.body as { status?: string }).status === 'STORED',
  );
  const { pickupCode } = view.body as { status: string; pickupCode: string };
  expect(pickupCode).toMatch(/^\d+$/);
  return { parcelId, pickupCode };
}

describe('the recipient is told', () => {
  it('by SMS and by email, with the pickup code, within 5 s of the parcel being stored', async () => {
    // Prepare
    const who = await recipient();

    // Act
    const { pickupCode } = await stored(who);

    // Assess
    const sms = await arrives(who.phone, (message) => message.body.includes(pickupCode));
    const email = await arrives(who.email, (message) => message.body.includes(pickupCode));
    expect(sms).toMatchObject({ channel: 'sms', to: who.phone });
    expect(email).toMatchObject({ channel: 'email', to: who.email, subject: expect.any(String) });
  });

  it('of the new code when they reissue it', async () => {
    // Prepare
    const who = await recipient();
    const { parcelId, pickupCode } = await stored(who);
    await arrives(who.phone, (message) => message.body.includes(pickupCode));

    // Act
    const reissued = await call('POST', `/parcels/${parcelId}/code`, { token: who.token });

    // Assess
    expect(reissued.status).toBe(200);
    const newCode = (reissued.body as { pickupCode: string }).pickupCode;
    expect(newCode).not.toBe(pickupCode);
    expect(await arrives(who.phone, (message) => message.body.includes(newCode))).toMatchObject({ channel: 'sms' });
    expect(await arrives(who.email, (message) => message.body.includes(newCode))).toMatchObject({ channel: 'email' });
  });

  it('once by a reminder 48 h on, and of the expiry 73 h on', async () => {
    // Prepare
    const who = await recipient();
    const { pickupCode } = await stored(who);
    await arrives(who.phone, (message) => message.body.includes(pickupCode));
    const afterStore = (await messagesTo(who.phone)).length;

    // Act: the reminder
    expect((await call('POST', '/_local/clock', { json: { advanceHours: 48 } })).status).toBe(200);
    expect((await call('POST', '/_local/sweep')).status).toBe(200);
    const reminded = await eventually(() => messagesTo(who.phone), (items) => items.length > afterStore);
    // A second sweep finds the parcel reminded already.
    expect((await call('POST', '/_local/sweep')).status).toBe(200);

    // Assess: the reminder
    expect(reminded.length).toBe(afterStore + 1);
    expect(reminded.at(-1)?.body).toMatch(/^Reminder: your parcel at Station Square must be collected by /);
    // Four poll intervals: time for anything the second sweep caused to arrive.
    const afterReminder = await eventually(() => messagesTo(who.phone), () => false, 4 * stack().streams.pollIntervalMs);
    expect(afterReminder.length).toBe(afterStore + 1);
    expect((await messagesTo(who.email)).filter((message) => message.subject?.startsWith('Reminder'))).toHaveLength(1);

    // Act: the expiry
    expect((await call('POST', '/_local/clock', { json: { advanceHours: 25 } })).status).toBe(200);
    expect((await call('POST', '/_local/sweep')).status).toBe(200);

    // Assess: the expiry
    const expired = await eventually(() => messagesTo(who.phone), (items) => items.length > afterStore + 1);
    expect(expired.length).toBe(afterStore + 2);
    expect(expired.at(-1)?.body).toMatch(/^Your parcel at Station Square was not collected in time/);
    expect(stack().streams.deadLetters()).toEqual([]);
  });
});

describe('paid channels cannot be pumped', () => {
  it('tells a phone saved at /me nothing but its code until the customer verifies it, then tells it', async () => {
    // Prepare: a phone the token does not name.
    const sub = id('customer');
    const customer = await stack().issueToken({ sub, role: 'customer' });
    const phone = uniquePhone();
    expect((await call('PUT', '/me', { token: customer, json: { phone } })).status).toBe(200);
    const codeMessage = await arrives(phone, (message) => /verification code is \d{6}/.test(message.body));
    const code = /(\d{6})/.exec(codeMessage?.body ?? '')?.[1];

    // Act: a parcel stored while the phone is unverified, then the phone verified and a new code issued.
    const { parcelId, pickupCode } = await stored({ sub, token: customer });
    await settle();
    const beforeVerifying = await messagesTo(phone);
    const verified = await call('POST', '/me/verify', { token: customer, json: { channel: 'sms', code } });
    const reissued = await call('POST', `/parcels/${parcelId}/code`, { token: customer });
    const newCode = (reissued.body as { pickupCode: string }).pickupCode;

    // Assess
    expect(beforeVerifying.map((message) => message.body.includes(pickupCode))).toEqual([false]);
    expect(verified.status).toBe(200);
    expect(await arrives(phone, (message) => message.body.includes(newCode))).toMatchObject({ channel: 'sms', to: phone });
  });

  it("tells the phone a carrier gives only that the parcel is ready: not that it was cancelled", async () => {
    // Prepare: a recipient with no profile, and a carrier's contact for them.
    const sub = id('customer');
    const customer = await stack().issueToken({ sub, role: 'customer' });
    const carrier = await token('carrier');
    const phone = uniquePhone();
    const { parcelId, pickupCode } = await stored({ sub, token: customer }, { token: carrier, contact: { phone } });
    await arrives(phone, (message) => message.body.includes(pickupCode));

    // Act
    const cancelled = await call('POST', `/parcels/${parcelId}/cancel`, { token: carrier });
    await settle();

    // Assess
    expect(cancelled.status).toBe(200);
    expect((await messagesTo(phone)).map((message) => message.body.includes(pickupCode))).toEqual([true]);
    expect(stack().streams.deadLetters()).toEqual([]);
  });
});
