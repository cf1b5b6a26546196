import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { channels, type Channel } from '#shared/domain/contact';
import type { VerificationChallenge } from '#shared/ports';
import type { TransactItem } from '../client.ts';
import { ttlAttribute } from '../table.ts';
import { recipientPartition } from './parcel.ts';

/**
 * A one-time code waiting to verify an address saved in `/me`: `USER#<sub>` / `VERIFY#<channel>`,
 * beside the profile, with the address it was sent to, the code's keyed hash (never the code), its
 * deadline and the attempts made. One per channel: a new code replaces the last.
 */
export const verificationEntity = 'VERIFICATION';
export const verificationKey = (sub: string, channel: Channel) => ({ PK: recipientPartition(sub), SK: `VERIFY#${channel}` });

/** Kept a day past its deadline, then DynamoDB TTL tidies up; the deadline itself is checked by time. */
const keptAfterDeadlineSeconds = 24 * 3600;

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

const conditionFailed = (error: unknown) => error instanceof Error && error.name === 'ConditionalCheckFailedException';

function toChallenge(item: Record<string, unknown>): VerificationChallenge | undefined {
  const channel = typeof item.SK === 'string' ? item.SK.slice('VERIFY#'.length) : '';
  if (!channels.includes(channel as Channel) || typeof item.address !== 'string' || typeof item.codeHash !== 'string') return undefined;
  return {
    channel: channel as Channel,
    address: item.address,
    codeHash: item.codeHash,
    expiresAt: String(item.expiresAt),
    attempts: typeof item.attempts === 'number' ? item.attempts : 0,
  };
}

export const verificationParts = {
  /** A new code for the channel, replacing any earlier one (its attempts start again with it). */
  put: (sub: string, challenge: VerificationChallenge): TransactItem => ({
    Put: {
      TableName: undefined,
      Item: {
        ...verificationKey(sub, challenge.channel),
        entity: verificationEntity,
        address: challenge.address,
        codeHash: challenge.codeHash,
        expiresAt: challenge.expiresAt,
        attempts: challenge.attempts,
        [ttlAttribute]: epochSeconds(new Date(challenge.expiresAt)) + keptAfterDeadlineSeconds,
      },
    },
  }),

  /** Drops the channel's code, if any: its address changed or needs none. */
  drop: (sub: string, channel: Channel): TransactItem => ({ Delete: { TableName: undefined, Key: verificationKey(sub, channel) } }),

  /** Spends the code that was checked: only that very one (a newer code sent meanwhile stays). */
  spend: (sub: string, challenge: VerificationChallenge): TransactItem => ({
    Delete: {
      TableName: undefined,
      Key: verificationKey(sub, challenge.channel),
      ConditionExpression: 'codeHash = :hash',
      ExpressionAttributeValues: { ':hash': challenge.codeHash },
    },
  }),
};

export const verificationQueries = {
  /**
   * Counts an attempt before the code is compared, with one conditional update: however many tries
   * race, no more than `maxAttempts` are ever compared against one code. The item comes back with a
   * refusal, so telling "none", "expired" and "exhausted" apart costs no second read.
   */
  async reserveAttempt(
    client: DynamoDBDocumentClient,
    tableName: string,
    sub: string,
    channel: Channel,
    at: Date,
    maxAttempts: number,
  ): Promise<{ readonly outcome: 'reserved'; readonly challenge: VerificationChallenge } | { readonly outcome: 'none' | 'expired' | 'exhausted' }> {
    try {
      const { Attributes } = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: verificationKey(sub, channel),
          UpdateExpression: 'ADD attempts :one',
          ConditionExpression: 'attribute_exists(codeHash) AND expiresAt > :at AND attempts < :max',
          ExpressionAttributeValues: { ':one': 1, ':at': at.toISOString(), ':max': maxAttempts },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const challenge = Attributes === undefined ? undefined : toChallenge(Attributes);
      return challenge === undefined ? { outcome: 'none' } : { outcome: 'reserved', challenge };
    } catch (error) {
      if (!conditionFailed(error)) throw error;
      // The document client unmarshalls outputs, not the item an error carries.
      const old = (error as { Item?: Record<string, AttributeValue> }).Item;
      const item = old === undefined ? undefined : toChallenge(unmarshall(old));
      if (item === undefined) return { outcome: 'none' };
      return item.expiresAt <= at.toISOString() ? { outcome: 'expired' } : { outcome: 'exhausted' };
    }
  },
};
