/**
 * The single table's shape, declared once. The CDK data construct, the local stack and the
 * integration tests all build the table from this, so they cannot drift apart.
 * Index names say which access pattern they serve (docs/architecture.md §10).
 */
export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** Non-key attributes copied into the index; `ALL` copies the whole item. */
  readonly projection: 'ALL' | readonly string[];
}

export const tableKeys = { partitionKey: 'PK', sortKey: 'SK' } as const;

/** Items carrying this attribute (epoch seconds) are deleted by DynamoDB TTL: idempotency records and throttle counters. */
export const ttlAttribute = 'ttl';

export const indexes = {
  /** Sparse: only FREE slots carry these keys, so the free candidates of a location are one Query, best fit first. */
  freeSlots: { indexName: 'free-slots', partitionKey: 'freeSlotPk', sortKey: 'freeSlotSk', projection: ['lockerId', 'slotId', 'size'] },
  /**
   * Sparse and sharded: the same free slots, keyed by a shard of their location and sorted by
   * location id, so one page of a location listing reads every free count with one Query per shard.
   */
  freeSlotsByLocation: { indexName: 'free-slots-by-location', partitionKey: 'locationFreePk', sortKey: 'locationFreeSk', projection: ['locationId', 'size'] },
  /** A customer's parcels, newest last. */
  parcelsByRecipient: { indexName: 'parcels-by-recipient', partitionKey: 'recipientPk', sortKey: 'recipientSk', projection: 'ALL' },
  /** Parcels at a location, for admins filtering by location. */
  parcelsByLocation: { indexName: 'parcels-by-location', partitionKey: 'locationPk', sortKey: 'locationSk', projection: 'ALL' },
  /** Every location, locker and parcel by type, for admin listings (and the local fleet of simulated lockers). */
  entitiesByType: { indexName: 'entities-by-type', partitionKey: 'entityTypePk', sortKey: 'entityTypeSk', projection: 'ALL' },
  /** Sparse and sharded: only STORED parcels carry these keys, sorted by expiry time, for the sweep. */
  parcelsByExpiry: { indexName: 'parcels-by-expiry', partitionKey: 'expiryPk', sortKey: 'expirySk', projection: 'ALL' },
  /**
   * Sparse and sharded: only slots waiting on their door (a command under way, a door standing
   * open) carry these keys, sorted by when they need attention, for the door-timeouts schedule.
   */
  slotsByDeadline: { indexName: 'slots-by-deadline', partitionKey: 'deadlinePk', sortKey: 'deadlineSk', projection: 'ALL' },
} as const satisfies Record<string, IndexDefinition>;

export const indexList: readonly IndexDefinition[] = Object.values(indexes);

/** Every key attribute is a string. */
export const keyAttributes: readonly string[] = [
  tableKeys.partitionKey,
  tableKeys.sortKey,
  ...indexList.flatMap((index) => [index.partitionKey, index.sortKey]),
];

/** CreateTable input for DynamoDB Local and integration tests (the CDK construct maps the same data). */
export function createTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: keyAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
    KeySchema: [
      { AttributeName: tableKeys.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: tableKeys.sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: indexList.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection:
        index.projection === 'ALL'
          ? { ProjectionType: 'ALL' as const }
          : { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...index.projection] },
    })),
  };
}
