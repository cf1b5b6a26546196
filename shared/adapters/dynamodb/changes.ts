import { createHash } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Change, ChangeWriter, CommitOutcome } from '#shared/ports';
import { conflicted, transact, type TransactItem } from './client.ts';
import { codeParts } from './entities/code.ts';
import { eventParts } from './entities/event.ts';
import { idempotencyParts } from './entities/idempotency.ts';
import { parcelParts } from './entities/parcel.ts';
import { slotParts } from './entities/slot.ts';

type Role = 'parcel' | 'slot' | 'claim' | 'code' | 'idempotency' | 'other';

/**
 * Turns a change the domain decided into one transaction, composed from the entities' parts: the
 * parcel, its slots, the pickup-code index entry (which follows the parcel's code hash), the
 * idempotency record and the events. A cancelled transaction is told apart by which part refused.
 */
export class DynamoChangeWriter implements ChangeWriter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async commit(change: Change): Promise<CommitOutcome> {
    const parts: { role: Role; item: TransactItem }[] = [];
    const { parcel } = change;
    if (parcel) {
      const { previous, next } = parcel;
      const stamped = { ...next, version: (previous?.version ?? 0) + 1 };
      parts.push({ role: 'parcel', item: previous ? parcelParts.replace(previous, stamped) : parcelParts.create(stamped) });
      const before = previous?.pickupCodeHash;
      const after = next.pickupCodeHash;
      if (after && after !== before) parts.push({ role: 'code', item: codeParts.create(next.locationId, after, next.parcelId) });
      if (before && before !== after) parts.push({ role: 'other', item: codeParts.remove(next.locationId, before) });
    }
    for (const { previous, next } of change.slots ?? []) parts.push({ role: 'slot', item: slotParts.replace(previous, next) });
    if (change.claim) {
      const { slot, parcelId, command, deadline } = change.claim;
      parts.push({ role: 'claim', item: slotParts.claim(slot, parcelId, command, deadline) });
    }
    if (change.idempotency && parcel) parts.push({ role: 'idempotency', item: idempotencyParts.create(change.idempotency, parcel.next.parcelId) });
    for (const event of change.events) parts.push({ role: 'other', item: eventParts.append(event) });

    const result = await transact(this.client, this.tableName, parts.map((part) => part.item), change.requestToken && tokenOf(change.requestToken));
    if (result.ok) return 'committed';
    const refused = new Set(parts.filter((_, index) => result.reasons[index] === 'ConditionalCheckFailed').map((part) => part.role));
    // A retry racing its own first attempt is refused on both the parcel and the key: the key
    // tells the caller to replay the winner's answer.
    if (refused.has('idempotency')) return 'idempotency-key-taken';
    if (refused.has('parcel')) return parcel?.previous ? 'stale' : 'parcel-exists';
    if (refused.has('slot')) return 'stale';
    if (refused.has('claim')) return 'slot-taken';
    if (refused.has('code')) return 'code-taken';
    // A conflict that outlasted transact's own retries: as good as stale, read and decide again.
    if (conflicted(result)) return 'stale';
    throw new Error(`Transaction refused: ${result.reasons.join(',')}`);
  }
}

function tokenOf(seed: string): string {
  return createHash('sha256').update(seed).digest('base64url').slice(0, 36);
}
