import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { channels, type Channel, type Profile } from '#shared/domain/contact';
import type { ProfileRepository, VerificationChallenge } from '#shared/ports';
import { transact } from './client.ts';
import { profileParts, profileQueries } from './entities/profile.ts';
import { verificationParts, verificationQueries } from './entities/verification.ts';

export class DynamoProfileRepository implements ProfileRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  get(sub: string): Promise<Profile | undefined> {
    return profileQueries.get(this.client, this.tableName, sub);
  }

  async put(sub: string, profile: Profile, at: Date, challenges: readonly VerificationChallenge[] = []): Promise<void> {
    const waiting = new Set(challenges.map((challenge) => challenge.channel));
    const result = await transact(this.client, this.tableName, [
      profileParts.put(sub, profile, at),
      ...challenges.map((challenge) => verificationParts.put(sub, challenge)),
      ...channels.filter((channel) => !waiting.has(channel)).map((channel) => verificationParts.drop(sub, channel)),
    ]);
    // Nothing in it is conditional: only a conflict that outlasted the retries cancels it.
    if (!result.ok) throw new Error(`The profile could not be saved (${result.reasons.join(', ')})`);
  }

  reserveVerificationAttempt(sub: string, channel: Channel, at: Date, maxAttempts: number) {
    return verificationQueries.reserveAttempt(this.client, this.tableName, sub, channel, at, maxAttempts);
  }

  async markVerified(sub: string, challenge: VerificationChallenge, at: Date): Promise<boolean> {
    const result = await transact(this.client, this.tableName, [
      profileParts.verify(sub, challenge.channel, challenge.address, at),
      verificationParts.spend(sub, challenge),
    ]);
    return result.ok;
  }
}
