import { describe, expect, it } from 'vitest';
import { listParcels } from '#shared/use-cases/list-parcels';
import { createTestTable } from '#test/helpers/dynamodb';
import { actors, buildDeps, ManualClock } from '#test/helpers/deps';
import { storeThroughDoor } from '#test/helpers/doors';
import { givenLocation } from '#test/helpers/fixtures';

/**
 * Pagination cursors against DynamoDB Local: whatever a client sends as a cursor, the listing
 * answers a VALIDATION_ERROR unless the cursor is one the service issued for that very listing, and
 * a cursor tells the client nothing about the table's keys.
 */
async function customerWithParcels(count: number) {
  const table = await createTestTable();
  const deps = buildDeps(table, { clock: new ManualClock() });
  const { locationId } = await givenLocation(deps, { S: count });
  for (let i = 0; i < count; i++) await storeThroughDoor(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
  return { deps, locationId };
}

const base64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('pagination cursors', () => {
  it('continue the listing that issued them, page by page', async () => {
    // Prepare
    const { deps } = await customerWithParcels(3);
    const first = await listParcels(deps, actors.customer, { limit: 2 });

    // Act
    const second = await listParcels(deps, actors.customer, { limit: 2, cursor: first.cursor! });

    // Assess
    expect({ first: first.items.length, second: second.items.length, last: second.cursor }).toEqual({ first: 2, second: 1, last: undefined });
  });

  it('do not show the key layout: no key attribute, prefix or id can be read from one', async () => {
    // Prepare
    const { deps, locationId } = await customerWithParcels(2);

    // Act
    const { cursor } = await listParcels(deps, actors.customer, { limit: 1 });

    // Assess
    const readable = Buffer.from(cursor!, 'base64url').toString('latin1');
    expect([cursor, readable].filter((text) => /USER#|PARCEL#|recipientPk|"PK"|customer-1|loc-/.test(text!) || text!.includes(locationId))).toEqual([]);
  });

  it.each([
    { why: 'a key without its table keys', cursor: () => base64url({ recipientPk: 'USER#customer-1' }) },
    { why: 'a key with a wrong-typed sort key', cursor: () => base64url({ PK: 'PARCEL#x', SK: 'META', recipientPk: 'USER#customer-1', recipientSk: 7 }) },
    { why: 'a key with a nested value', cursor: () => base64url({ PK: { S: 'x' }, SK: 'META', recipientPk: 'USER#customer-1', recipientSk: 'x' }) },
    { why: 'a key with extra attributes', cursor: () => base64url({ PK: 'P', SK: 'S', recipientPk: 'USER#customer-1', recipientSk: 'x', other: 'y' }) },
    { why: 'a key with empty strings', cursor: () => base64url({ PK: '', SK: '', recipientPk: 'USER#customer-1', recipientSk: '' }) },
    { why: 'a key of the base table only', cursor: () => base64url({ PK: 'PARCEL#x', SK: 'META', recipientPk: 'USER#customer-1' }) },
    { why: 'another customer\'s partition', cursor: () => base64url({ PK: 'PARCEL#x', SK: 'META', recipientPk: 'USER#customer-2', recipientSk: 'x' }) },
    { why: 'JSON that is not an object', cursor: () => base64url([1, 2, 3]) },
    { why: 'text that is not base64url JSON', cursor: () => '!!not a cursor!!' },
  ])('refuse a crafted cursor ($why) with VALIDATION_ERROR before DynamoDB sees it', async ({ cursor }) => {
    // Prepare
    const { deps } = await customerWithParcels(2);

    // Act
    const attempt = listParcels(deps, actors.customer, { limit: 1, cursor: cursor() });

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('refuse a cursor issued for the listing but truncated or altered by one character', async () => {
    // Prepare
    const { deps } = await customerWithParcels(2);
    const { cursor } = await listParcels(deps, actors.customer, { limit: 1 });
    const flipped = `${cursor!.slice(0, 20)}${cursor![20] === 'A' ? 'B' : 'A'}${cursor!.slice(21)}`;

    // Act
    const attempts = await Promise.allSettled([cursor!.slice(0, -4), flipped].map((bad) => listParcels(deps, actors.customer, { limit: 1, cursor: bad })));

    // Assess
    expect(attempts.map((attempt) => (attempt.status === 'rejected' ? (attempt.reason as { code?: string }).code : 'accepted'))).toEqual([
      'VALIDATION_ERROR',
      'VALIDATION_ERROR',
    ]);
  });

  it('refuse a cursor from another listing, even one the caller could read', async () => {
    // Prepare
    const { deps, locationId } = await customerWithParcels(2);
    const { cursor } = await listParcels(deps, actors.customer, { limit: 1, locationId });
    const adminPage = await listParcels(deps, actors.admin, { limit: 1, locationId });

    // Act
    const attempts = await Promise.allSettled([
      listParcels(deps, actors.otherCustomer, { limit: 1, cursor: cursor! }),
      listParcels(deps, actors.customer, { limit: 1, cursor: adminPage.cursor! }),
    ]);

    // Assess
    expect(attempts.map((attempt) => (attempt.status === 'rejected' ? (attempt.reason as { code?: string }).code : 'accepted'))).toEqual([
      'VALIDATION_ERROR',
      'VALIDATION_ERROR',
    ]);
  });
});
