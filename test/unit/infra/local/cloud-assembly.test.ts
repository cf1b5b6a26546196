import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { IntrinsicResolver, localSecretArn } from '#infra/local/cloud-assembly';
import { startSecretsManager } from '#infra/local/secrets-manager';

const local = { region: 'us-east-1', accountId: '000000000000', tableName: 'local-table' };

const stateful = {
  stackName: 'Stateful',
  template: {
    Resources: { Table: { Type: 'AWS::DynamoDB::Table' }, Secret: { Type: 'AWS::SecretsManager::Secret' } },
    Outputs: {
      TableArnOutput: { Value: { 'Fn::GetAtt': ['Table', 'Arn'] } },
      SecretExport: { Value: { Ref: 'Secret' }, Export: { Name: 'Stateful:Secret' } },
    },
  },
};
const stateless = { stackName: 'Stateless', template: { Resources: { Fn: { Type: 'AWS::Lambda::Function' } } } };
const resolver = new IntrinsicResolver([stateful, stateless], local);

describe('resolving template values against local resources', () => {
  it('resolves a reference to another stack through its output (Fn::GetStackOutput)', () => {
    // Act
    const value = resolver.resolve(stateless, { 'Fn::GetStackOutput': { StackName: 'Stateful', Region: { Ref: 'AWS::Region' }, OutputName: 'TableArnOutput' } });

    // Assess
    expect(value).toBe('arn:aws:dynamodb:us-east-1:000000000000:table/local-table');
  });

  it('resolves an imported export to the local secret ARN', () => {
    expect(resolver.resolve(stateless, { 'Fn::ImportValue': 'Stateful:Secret' })).toBe(localSecretArn(local, 'Secret'));
  });

  it('resolves Fn::Join, Fn::Sub and pseudo parameters', () => {
    // Act
    const joined = resolver.resolve(stateful, { 'Fn::Join': ['/', [{ Ref: 'Table' }, { 'Fn::Sub': '${AWS::Region}-${Table}' }]] });

    // Assess
    expect(joined).toBe('local-table/us-east-1-local-table');
  });

  it('refuses an intrinsic it cannot resolve instead of passing an object on as a value', () => {
    expect(() => resolver.resolve(stateful, { 'Fn::Cidr': ['10.0.0.0/16', 2, 8] })).toThrow(/cannot resolve Fn::Cidr/);
  });
});

describe('the local Secrets Manager', () => {
  it('serves a secret to the real SDK client by ARN, and refuses an unknown one as AWS does', async () => {
    // Prepare
    const arn = localSecretArn(local, 'PickupCodeSecret');
    const server = await startSecretsManager([{ arn, value: 'x'.repeat(40) }]);
    const client = new SecretsManagerClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });

    try {
      // Act
      const found = await client.send(new GetSecretValueCommand({ SecretId: arn }));
      const missing = client.send(new GetSecretValueCommand({ SecretId: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:nope-abcdef' }));

      // Assess
      expect(found.SecretString).toBe('x'.repeat(40));
      await expect(missing).rejects.toBeInstanceOf(ResourceNotFoundException);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
