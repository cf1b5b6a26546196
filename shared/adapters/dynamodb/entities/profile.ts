import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { channels, supportedLocales, type Channel, type Locale, type Profile } from '#shared/domain/contact';
import type { TransactItem } from '../client.ts';
import { recipientPartition } from './parcel.ts';

/**
 * A customer's contact (`/me`): `USER#<sub>` / `PROFILE`, beside the recipient index of their
 * parcels (same partition value, different attribute), so it is one consistent read by `sub`.
 */
export const profileEntity = 'PROFILE';
export const profileKey = (sub: string) => ({ PK: recipientPartition(sub), SK: profileEntity });

const isChannel = (value: unknown): value is Channel => channels.includes(value as Channel);
const isLocale = (value: unknown): value is Locale => supportedLocales.includes(value as Locale);

/**
 * What was stored, read defensively: a locale dropped from the service falls back to the first; a
 * profile saved before addresses were verified has none verified (its owner saves it again for a code).
 */
export function toContact(item: Record<string, unknown>): Profile {
  return {
    ...(typeof item.email === 'string' ? { email: item.email } : {}),
    ...(typeof item.phone === 'string' ? { phone: item.phone } : {}),
    channels: Array.isArray(item.channels) ? item.channels.filter(isChannel) : [],
    locale: isLocale(item.locale) ? item.locale : supportedLocales[0],
    verified: channels.filter((channel) => item[verifiedAttribute[channel]] === true),
  };
}

/** One flag per channel, so verifying one is a single write that cannot undo the other's. */
const verifiedAttribute: Record<Channel, string> = { sms: 'phoneVerified', email: 'emailVerified' };

export const profileParts = {
  /** A whole replacement (PUT semantics): a field left out is removed. */
  put: (sub: string, profile: Profile, at: Date): TransactItem => ({
    Put: {
      TableName: undefined,
      Item: {
        ...profileKey(sub),
        entity: profileEntity,
        ...(profile.email !== undefined ? { email: profile.email } : {}),
        ...(profile.phone !== undefined ? { phone: profile.phone } : {}),
        channels: [...profile.channels],
        locale: profile.locale,
        ...Object.fromEntries(profile.verified.map((channel) => [verifiedAttribute[channel], true])),
        updatedAt: at.toISOString(),
      },
    },
  }),

  /** Marks a channel verified, only while the profile still holds the address its code was sent to. */
  verify: (sub: string, channel: Channel, address: string, at: Date): TransactItem => ({
    Update: {
      TableName: undefined,
      Key: profileKey(sub),
      UpdateExpression: 'SET #verified = :true, updatedAt = :at',
      ConditionExpression: '#address = :address',
      ExpressionAttributeNames: { '#address': channel === 'sms' ? 'phone' : 'email', '#verified': verifiedAttribute[channel] },
      ExpressionAttributeValues: { ':true': true, ':address': address, ':at': at.toISOString() },
    },
  }),
};

export const profileQueries = {
  async get(client: DynamoDBDocumentClient, tableName: string, sub: string): Promise<Profile | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: profileKey(sub), ConsistentRead: true }));
    return Item ? toContact(Item) : undefined;
  },
};
