import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack';
import { httpFunctions, type HttpFunction } from '#shared/manifest';
import { client, id } from '#test/e2e/support';
import {
  anyHeader,
  anyQuery,
  asHeaderValue,
  expectSound,
  fuzzParameters,
  hostileSegment,
  hostileText,
  mutated,
  percentEncode,
  send,
  strangeBody,
  type RawRequest,
} from './support.ts';

/**
 * Zero 5xx from input: property-based requests against the whole local stack from sources (the
 * gateway, every handler, DynamoDB Local, the IoT stand-in and simulated lockers). Every reply to
 * anything a client can send is below 500, an error has the shape `{"error":{"code","message"}}`,
 * and no reply carries a stack trace or an SDK message (`expectSound`).
 * One stack for the file; the fixtures give the requests real ids to aim at, so near-valid
 * requests reach the use cases and DynamoDB rather than stopping at validation.
 */
let stack: LocalStack;
const { call, eventually } = client(() => stack);

interface Fixtures {
  readonly locationId: string;
  readonly lockerId: string;
  readonly parcelId: string;
  readonly customerSub: string;
  /** Authorization header values: every role, odd but valid claims, and forgeries. */
  readonly authorizations: readonly (string | undefined)[];
  readonly byRole: Readonly<Record<'admin' | 'carrier' | 'customer' | 'kiosk', string>>;
  /** Cursors the service issued, and those cut or moved to another listing. */
  readonly cursors: readonly string[];
}

let fixtures: Fixtures;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, dynamoEndpoint: inject('dynamoEndpoint') });
  fixtures = await prepare();
});

afterAll(async () => {
  await stack?.stop();
});

async function prepare(): Promise<Fixtures> {
  const customerSub = id('customer');
  const locationId = id('loc');
  const lockerId = id('lk');
  const admin = await stack.issueToken({ sub: id('admin'), role: 'admin' });
  const carrier = await stack.issueToken({ sub: id('carrier'), role: 'carrier' });
  const customer = await stack.issueToken({ sub: customerSub, role: 'customer', email: 'c@example.com' });
  const kiosk = await stack.issueToken({ sub: id('kiosk'), role: 'kiosk', locationId });
  expect((await call('POST', '/locations', { token: admin, json: { locationId, name: 'Fuzz Station', address: '1 Fuzz Square' } })).status).toBe(201);
  expect((await call('POST', `/locations/${locationId}/lockers`, { token: admin, json: { lockerId, slots: { S: 6, M: 4, L: 2 } } })).status).toBe(201);
  await eventually(
    async () => ((await call('GET', `/locations/${locationId}`, { token: admin })).body as { lockers?: { online: boolean }[] }).lockers?.[0]?.online,
    (online) => online === true,
  );
  const stored = await call('POST', '/parcels', { token: carrier, json: { locationId, recipientId: customerSub, size: 'S' } });
  expect(stored.status).toBe(201);
  const { parcelId } = stored.body as { parcelId: string };
  await call('POST', '/parcels', { token: carrier, json: { locationId, recipientId: customerSub, size: 'S' } });
  const page = await call('GET', '/parcels?limit=1', { token: customer });
  const adminPage = await call('GET', `/parcels?limit=1&locationId=${locationId}`, { token: admin });
  const cursors = [page.body, adminPage.body].map((body) => (body as { cursor?: string }).cursor).filter((cursor): cursor is string => cursor !== undefined);
  expect(cursors).toHaveLength(2);

  const tampered = (token: string) => `${token.slice(0, -6)}${token.slice(-6) === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA'}`;
  const unsigned = (payload: object) =>
    `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
  const bearer = (token: string) => `Bearer ${token}`;
  const odd = await Promise.all([
    stack.issueToken({ sub: 'carrier#with#hashes', role: 'carrier' }),
    stack.issueToken({ sub: '__proto__', role: 'customer' }),
    stack.issueToken({ sub: 'constructor', role: 'admin' }),
    stack.issueToken({ sub: 'kiosk-elsewhere', role: 'kiosk', locationId: 'nowhere-at-all' }),
    stack.issueToken({ sub: 'kiosk-hostile', role: 'kiosk', locationId: 'a#b\u0000' }),
    stack.issueToken({ sub: ' ', role: 'customer' }),
  ]);
  return {
    locationId,
    lockerId,
    parcelId,
    customerSub,
    byRole: { admin: bearer(admin), carrier: bearer(carrier), customer: bearer(customer), kiosk: bearer(kiosk) },
    authorizations: [
      undefined,
      ...[admin, carrier, customer, kiosk, ...odd].map(bearer),
      customer,
      bearer(tampered(admin)),
      bearer(unsigned({ sub: 'x', 'cognito:groups': ['admin'], token_use: 'id' })),
      'Bearer ',
      'Bearer not.a.jwt',
      'Basic YWRtaW46YWRtaW4=',
      `Bearer ${'a'.repeat(4000)}`,
      `${bearer(admin)}, ${bearer(carrier)}`,
    ],
    cursors: [...cursors, cursors[0]!.slice(0, -5), `${cursors[1]!}A`, Buffer.from('{"PK":"PARCEL#x","SK":"META"}').toString('base64url'), ...craftedFrom(cursors[0]!)],
  };
}

/**
 * What an attacker builds from a cursor they can read: each attribute dropped, emptied, retyped or
 * nested. A sealed cursor reads as nothing, so it yields none.
 */
function craftedFrom(cursor: string): string[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return [];
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) return [];
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return Object.keys(key).flatMap((name) => {
    const { [name]: _dropped, ...rest } = key as Record<string, unknown>;
    return [encode(rest), ...['', 7, { S: 'x' }].map((value) => encode({ ...key, [name]: value }))];
  });
}

/** Path parameters by name: the fixtures' ids (so requests reach real items) or anything at all. */
function paramValue(name: string): fc.Arbitrary<string> {
  const known: Record<string, () => string> = {
    locationId: () => fixtures.locationId,
    lockerId: () => fixtures.lockerId,
    slotId: () => '01',
    parcelId: () => fixtures.parcelId,
  };
  const real = known[name];
  return real === undefined ? hostileSegment : fc.oneof({ arbitrary: fc.constant(null).map(() => real()), weight: 2 }, { arbitrary: hostileSegment, weight: 1 });
}

function pathOf(route: HttpFunction): fc.Arbitrary<string> {
  const parts = route.path.split('/').slice(1).map((part) => {
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    return name === undefined ? fc.constant(part) : paramValue(name);
  });
  return fc.tuple(...parts).map((segments) => `/${segments.join('/')}`);
}

/** The body each route takes, valid for the fixtures, to mutate one field at a time. */
function validBody(route: HttpFunction): Record<string, unknown> | undefined {
  switch (route.name) {
    case 'create-location':
      return { locationId: id('fz'), name: 'Somewhere', address: '2 Fuzz Lane', pickupWindowHours: 48 };
    case 'add-locker':
      return { lockerId: id('lk'), slots: { S: 1, M: 1 } };
    case 'update-slot':
      return { status: 'OUT_OF_SERVICE', note: 'fuzz' };
    case 'store-parcel':
      return { locationId: fixtures.locationId, recipientId: fixtures.customerSub, size: 'S', parcelId: id('p'), recipient: { email: 'r@example.com', phone: '+447700900123' } };
    case 'put-profile':
      return { email: 'c@example.com', phone: '+447700900123', channels: ['sms', 'email'], locale: 'en-GB' };
    case 'retrieve-parcel':
    case 'kiosk-pickup':
      return { pickupCode: '1234567800' };
    default:
      return undefined;
  }
}

/** A route that prints as its name in a counterexample, not as its whole manifest entry. */
function named(route: HttpFunction): HttpFunction {
  return Object.defineProperty({ ...route }, fc.toStringMethod, { value: () => route.name });
}

const roleFor = (route: HttpFunction) => (route.roles === 'public' ? undefined : route.roles[0]);

const contentTypes = fc.constantFrom(undefined, 'application/json', 'text/plain', 'application/octet-stream', 'application/json; charset=latin1', 'multipart/form-data');

function request(method: string, path: string, query: string, headers: readonly (readonly [string, string])[], authorization: string | undefined, body: Buffer | undefined, contentType: string | undefined): RawRequest {
  return {
    method,
    target: query === '' ? path : `${path}?${query}`,
    headers: [...(authorization === undefined ? [] : [['Authorization', authorization] as const]), ...(contentType === undefined ? [] : [['Content-Type', contentType] as const]), ...headers],
    ...(body === undefined ? {} : { body }),
  };
}

const hits = new Map<string, number>();

async function sendAndAssess(raw: RawRequest, routeName?: string): Promise<void> {
  if (routeName !== undefined) hits.set(routeName, (hits.get(routeName) ?? 0) + 1);
  expectSound(raw, await send(stack.url, raw));
}

describe('what a location shows', () => {
  it('names the parcels in its slots to admins only: no carrier, customer or kiosk reads a parcel id in GET /locations/{locationId}', async () => {
    // Prepare
    const otherCarrier = `Bearer ${await stack.issueToken({ sub: id('carrier'), role: 'carrier' })}`;
    const viewers = { admin: fixtures.byRole.admin, depositingCarrier: fixtures.byRole.carrier, otherCarrier, customer: fixtures.byRole.customer, kiosk: fixtures.byRole.kiosk };

    // Act
    const replies = await Promise.all(
      Object.entries(viewers).map(async ([viewer, authorization]) => {
        const reply = await send(stack.url, { method: 'GET', target: `/locations/${fixtures.locationId}`, headers: [['Authorization', authorization]] });
        return [viewer, { status: reply.status, showsParcelId: reply.text.includes(fixtures.parcelId) }] as const;
      }),
    );

    // Assess
    expect(Object.fromEntries(replies)).toEqual({
      admin: { status: 200, showsParcelId: true },
      depositingCarrier: { status: 200, showsParcelId: false },
      otherCarrier: { status: 200, showsParcelId: false },
      customer: { status: 200, showsParcelId: false },
      kiosk: { status: 200, showsParcelId: false },
    });
  });
});

describe('zero 5xx from input', () => {
  it('every route answers any token, path, query, headers and body below 500, in the error shape', async () => {
    // Prepare
    const anyRouteRequest = fc
      .constantFrom(...httpFunctions)
      .chain((route) =>
        fc.record({
          route: fc.constant(named(route)),
          path: pathOf(route),
          query: fc.oneof({ arbitrary: fc.constant(''), weight: 2 }, { arbitrary: anyQuery(fc.constantFrom(...fixtures.cursors)), weight: 3 }),
          headers: fc.array(anyHeader, { maxLength: 3 }),
          authorization: fc.oneof({ arbitrary: fc.constantFrom(...fixtures.authorizations), weight: 2 }, { arbitrary: fc.constant(fixtures.byRole[roleFor(route) ?? 'admin']), weight: 3 }),
          body: fc.option(
            fc.oneof(strangeBody, validBody(route) === undefined ? strangeBody : mutated(validBody(route)!).map((text) => Buffer.from(text))),
            { freq: 3 },
          ),
          contentType: contentTypes,
        }),
      );

    // Act, and assess every reply
    await fc.assert(
      fc.asyncProperty(anyRouteRequest, async ({ route, path, query, headers, authorization, body, contentType }) => {
        await sendAndAssess(request(route.method, path, query, headers, authorization, body ?? undefined, contentType), route.name);
      }),
      fuzzParameters(1_100),
    );

    // Assess that every route was reached
    expect(httpFunctions.filter((route) => (hits.get(route.name) ?? 0) < 20).map((route) => route.name)).toEqual([]);
  });

  it('every route with a body answers near-valid bodies (one field changed) from the right role below 500', async () => {
    // Prepare
    const withBodies = httpFunctions.filter((route) => validBody(route) !== undefined);
    const nearValid = fc.constantFrom(...withBodies).chain((route) =>
      fc.record({
        route: fc.constant(named(route)),
        path: pathOf(route),
        body: fc.oneof(
          { arbitrary: mutated(validBody(route)!), weight: 8 },
          { arbitrary: fc.constant(null).map(() => JSON.stringify(validBody(route))), weight: 1 },
          { arbitrary: fc.constant(null).map(() => Buffer.from(JSON.stringify(validBody(route))).toString('base64')), weight: 1 },
        ),
        idempotencyKey: fc.option(fc.oneof(hostileText.map(asHeaderValue), fc.constantFrom('key#12345678', 'abcdefgh')), { freq: 2 }),
      }),
    );

    // Act, and assess every reply
    await fc.assert(
      fc.asyncProperty(nearValid, async ({ route, path, body, idempotencyKey }) => {
        const headers = idempotencyKey === null || idempotencyKey === '' ? [] : [['Idempotency-Key', idempotencyKey] as const];
        await sendAndAssess(request(route.method, path, '', headers, fixtures.byRole[roleFor(route) ?? 'admin'], Buffer.from(body), 'application/json'), route.name);
      }),
      fuzzParameters(600),
    );
  });

  it('every paginated listing answers any cursor, issued, cut, moved or crafted, below 500', async () => {
    // Prepare
    const paginated = httpFunctions.filter((route) => {
      const shape = (route.request.query as { shape?: object } | undefined)?.shape;
      return shape !== undefined && 'cursor' in shape;
    });
    expect(paginated.map((route) => route.name)).toContain('list-parcels');
    const listing = fc.record({
      route: fc.constantFrom(...paginated.map(named)),
      authorization: fc.constantFrom(...Object.values(fixtures.byRole), ...fixtures.authorizations),
      cursor: fc.oneof({ arbitrary: fc.constantFrom(...fixtures.cursors), weight: 3 }, { arbitrary: hostileText, weight: 1 }),
      limit: fc.option(fc.oneof(fc.integer({ min: 1, max: 100 }).map(String), fc.constantFrom('0', '101', '-1', '1.5', 'x'))),
      locationId: fc.option(fc.oneof(fc.constant(null).map(() => fixtures.locationId), hostileText)),
    });

    // Act, and assess every reply
    await fc.assert(
      fc.asyncProperty(listing, async ({ route, authorization, cursor, limit, locationId }) => {
        const query = [['cursor', cursor], ['limit', limit], ['locationId', locationId]]
          .filter((pair): pair is [string, string] => pair[1] !== null)
          .map(([name, value]) => `${name}=${percentEncode(value)}`)
          .join('&');
        await sendAndAssess(request(route.method, route.path, query, [], authorization, undefined, undefined), route.name);
      }),
      fuzzParameters(250),
    );
  });

  it('the gateway answers any method on any path below 500, in the error shape', async () => {
    // Prepare
    const segments = fc.array(fc.oneof(hostileSegment, fc.constantFrom('parcels', 'locations', 'lockers', 'slots', 'health', '_local', 'token', 'clock', 'sweep', '')), { minLength: 0, maxLength: 6 });
    const anyPath = fc.oneof(
      segments.map((parts) => `/${parts.join('/')}`),
      fc.constantFrom('/', '//', '/health/', '/parcels/', '/_local/', '/_local/token', '/_local/lockers/x/y', '/_local/lockers/x/y/doors/01', '/HEALTH', '/health?', '/%2e%2e/health', '/./health'),
    );
    const anyRequest = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND'),
      path: anyPath,
      query: fc.oneof(fc.constant(''), anyQuery(fc.constant(percentEncode('x')))),
      headers: fc.array(anyHeader, { maxLength: 4 }),
      authorization: fc.constantFrom(...fixtures.authorizations),
      body: fc.option(strangeBody, { freq: 2 }),
      contentType: contentTypes,
    });

    // Act, and assess every reply
    await fc.assert(
      fc.asyncProperty(anyRequest, async ({ method, path, query, headers, authorization, body, contentType }) => {
        await sendAndAssess(request(method, path, query, headers, authorization, body ?? undefined, contentType));
      }),
      fuzzParameters(450),
    );
  });
});
