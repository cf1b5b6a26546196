import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TransactItem } from '../client.ts';
import { locationPartition } from './location.ts';

/**
 * The pickup-code index entry: `LOC#<loc>#CODE#<hmac>`. Created only if absent, so a code is
 * unique among the active parcels of a location, and a kiosk finds the parcel from the code alone.
 */
export const codeKey = (locationId: string, codeHash: string) => ({ PK: `${locationPartition(locationId)}#CODE#${codeHash}`, SK: 'CODE' });

export const codeParts = {
  create: (locationId: string, codeHash: string, parcelId: string): TransactItem => ({
    Put: { TableName: undefined, Item: { ...codeKey(locationId, codeHash), entity: 'CODE', parcelId }, ConditionExpression: 'attribute_not_exists(PK)' },
  }),
  remove: (locationId: string, codeHash: string): TransactItem => ({ Delete: { TableName: undefined, Key: codeKey(locationId, codeHash) } }),
};

export const codeQueries = {
  async parcelWithCode(client: DynamoDBDocumentClient, tableName: string, locationId: string, codeHash: string): Promise<string | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: codeKey(locationId, codeHash), ConsistentRead: true }));
    return Item ? String(Item.parcelId) : undefined;
  },
};
