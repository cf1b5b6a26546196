import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { sdkSettings } from '#shared/config';
import { tracer } from './observability.ts';
import { clientOptions, keepingDeadline } from './sdk.ts';

let client: SecretsManagerClient | undefined;

/** A secret's plain string value; the endpoint follows `AWS_ENDPOINT_URL_SECRETS_MANAGER` locally. */
export async function readSecretString(secretId: string): Promise<string> {
  client ??= tracer.captureAWSv3Client(keepingDeadline(new SecretsManagerClient(clientOptions(sdkSettings())), 'The secret store'));
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (SecretString === undefined) throw new Error(`Secret ${secretId} has no string value`);
  return SecretString;
}
