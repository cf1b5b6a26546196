import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for AWS Secrets Manager's `GetSecretValue` (JSON 1.1 protocol), enough for the
 * SDK client the functions use in AWS: with `AWS_ENDPOINT_URL_SECRETS_MANAGER` pointing here, the
 * deployed code path (read the secret by ARN at cold start) runs unchanged.
 */
export interface LocalSecretsManager {
  readonly endpoint: string;
  close(): Promise<void>;
}

export interface LocalSecret {
  readonly arn: string;
  /** Omitted: 64 random characters, as the deployed secret is generated. */
  readonly value?: string;
}

export async function startSecretsManager(secrets: readonly LocalSecret[]): Promise<LocalSecretsManager> {
  const createdDate = Date.now() / 1000;
  const values = new Map(secrets.map((secret) => [secret.arn, secret.value ?? randomBytes(48).toString('base64url')]));
  const byName = new Map(secrets.map((secret) => [secretName(secret.arn), secret.arn]));

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        response.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(text) });
        response.end(text);
      };
      const target = request.headers['x-amz-target'];
      if (target !== 'secretsmanager.GetSecretValue') {
        reply(400, { __type: 'UnsupportedOperation', message: `The local Secrets Manager serves GetSecretValue only, not ${String(target)}` });
        return;
      }
      let secretId: unknown;
      try {
        secretId = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId?: unknown }).SecretId;
      } catch {
        reply(400, { __type: 'SerializationException', message: 'The request body is not JSON' });
        return;
      }
      const arn = typeof secretId === 'string' ? (values.has(secretId) ? secretId : byName.get(secretId)) : undefined;
      if (arn === undefined) {
        reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
        return;
      }
      reply(200, {
        ARN: arn,
        Name: secretName(arn),
        SecretString: values.get(arn),
        VersionId: '00000000-0000-0000-0000-000000000001',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: createdDate,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 chars>` → `<name>`. */
export function secretName(arn: string): string {
  return arn.split(':').at(-1)?.replace(/-[A-Za-z0-9]{6}$/, '') ?? arn;
}
