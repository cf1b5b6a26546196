import type { SlotSize } from '#shared/domain/slot';

/**
 * Key builders for every item in the single table, one place per entity, so that no other
 * module spells a key. See docs/data-model.md for the full layout.
 */
const sizeOrder: Record<SlotSize, string> = { S: '0', M: '1', L: '2' };

/** Both index sort keys and event keys use ISO-8601 UTC timestamps, which sort as text. */
export const keys = {
  location: (locationId: string) => ({ PK: `LOC#${locationId}`, SK: 'META' }),
  locker: (locationId: string, lockerId: string) => ({ PK: `LOC#${locationId}`, SK: `LOCKER#${lockerId}` }),
  slot: (locationId: string, lockerId: string, slotId: string) => ({ PK: `LOC#${locationId}`, SK: `SLOT#${lockerId}#${slotId}` }),
  slotsOfLocker: (lockerId: string) => `SLOT#${lockerId}#`,
  parcel: (parcelId: string) => ({ PK: `PARCEL#${parcelId}`, SK: 'META' }),
  pickupCode: (locationId: string, codeHash: string) => ({ PK: `LOC#${locationId}#CODE#${codeHash}`, SK: 'CODE' }),
  idempotency: (ownerSub: string, key: string) => ({ PK: `IDEMPOTENCY#${ownerSub}#${key}`, SK: 'IDEMPOTENCY' }),
  parcelEvent: (parcelId: string, at: string, eventId: string) => ({ PK: `PARCEL#${parcelId}`, SK: `EVT#${at}#${eventId}` }),
  locationEvent: (locationId: string, at: string, eventId: string) => ({ PK: `LOC#${locationId}`, SK: `EVT#${at}#${eventId}` }),
  kioskFailures: (locationId: string) => `LOC#${locationId}#KIOSKFAIL`,
  kioskFailure: (locationId: string, at: string, id: string) => ({ PK: `LOC#${locationId}#KIOSKFAIL`, SK: `${at}#${id}` }),
} as const;

/** Attributes of the sparse free-slot index: present only while the slot is FREE. */
export const freeSlotKeys = (locationId: string, size: SlotSize, lockerId: string, slotId: string) => ({
  freeSlotPk: freeSlotPartition(locationId),
  freeSlotSk: `${sizeOrder[size]}${size}#${lockerId}#${slotId}`,
});
export const freeSlotPartition = (locationId: string) => `FREE#${locationId}`;
/** Sort-key lower bound: every size from `size` up, smallest first, which is best fit's order. */
export const freeSlotLowerBound = (size: SlotSize) => sizeOrder[size];

/** Spreads the expiry index over partitions so the sweep's index never has one hot key. */
export const expiryShards = 8;
export const expiryPartition = (shard: number) => `EXPIRY#${shard}`;
export function expiryShardOf(parcelId: string): number {
  let hash = 2166136261;
  for (let i = 0; i < parcelId.length; i++) hash = Math.imul(hash ^ parcelId.charCodeAt(i), 16777619);
  return (hash >>> 0) % expiryShards;
}

export const entityTypes = { location: 'LOCATION', parcel: 'PARCEL' } as const;
export const recipientPartition = (recipientId: string) => `USER#${recipientId}`;
export const locationPartition = (locationId: string) => `LOC#${locationId}`;
