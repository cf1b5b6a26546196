import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { channels, supportedLocales, type Channel, type Contact, type Locale } from '#shared/domain/contact';
import { recipientPartition } from './parcel.ts';

/**
 * A customer's contact (`/me`): `USER#<sub>` / `PROFILE`, beside the recipient index of their
 * parcels (same partition value, different attribute), so it is one consistent read by `sub`.
 */
export const profileEntity = 'PROFILE';
export const profileKey = (sub: string) => ({ PK: recipientPartition(sub), SK: profileEntity });

const isChannel = (value: unknown): value is Channel => channels.includes(value as Channel);
const isLocale = (value: unknown): value is Locale => supportedLocales.includes(value as Locale);

/** What was stored, read defensively: a locale dropped from the service falls back to the first. */
export function toContact(item: Record<string, unknown>): Contact {
  return {
    ...(typeof item.email === 'string' ? { email: item.email } : {}),
    ...(typeof item.phone === 'string' ? { phone: item.phone } : {}),
    channels: Array.isArray(item.channels) ? item.channels.filter(isChannel) : [],
    locale: isLocale(item.locale) ? item.locale : supportedLocales[0],
  };
}

export const profileQueries = {
  async get(client: DynamoDBDocumentClient, tableName: string, sub: string): Promise<Contact | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: profileKey(sub), ConsistentRead: true }));
    return Item ? toContact(Item) : undefined;
  },

  /** A whole replacement (PUT semantics): a field left out is removed. */
  async put(client: DynamoDBDocumentClient, tableName: string, sub: string, contact: Contact, at: Date): Promise<void> {
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...profileKey(sub),
          entity: profileEntity,
          ...(contact.email !== undefined ? { email: contact.email } : {}),
          ...(contact.phone !== undefined ? { phone: contact.phone } : {}),
          channels: [...contact.channels],
          locale: contact.locale,
          updatedAt: at.toISOString(),
        },
      }),
    );
  },
};
