import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Contact } from '#shared/domain/contact';
import type { ProfileRepository } from '#shared/ports';
import { profileQueries } from './entities/profile.ts';

export class DynamoProfileRepository implements ProfileRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  get(sub: string): Promise<Contact | undefined> {
    return profileQueries.get(this.client, this.tableName, sub);
  }

  put(sub: string, contact: Contact, at: Date): Promise<void> {
    return profileQueries.put(this.client, this.tableName, sub, contact, at);
  }
}
