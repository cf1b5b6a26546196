import { describe, expect, it } from 'vitest';
import { issueToken } from '#infra/local/auth';
import { parcelService, validationBody } from './parcel-support.ts';
import { errorBody, id, stackForFile } from './support.ts';

/**
 * The HTTP contract every route shares: health, authentication, unknown routes and request
 * validation.
 * Real HTTP against the local gateway, the real handlers, and DynamoDB Local: the e2e project runs
 * the handlers from source (`npm start`), the e2e-assembly project the synthesized bundles
 * (`npm run start:assembly`). One stack for the file; the service clock only moves forward here.
 */
const stack = stackForFile();
const { call, token, actors, locationWithLocker } = parcelService(stack);

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
