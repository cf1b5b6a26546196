import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { userGroups } from '#infra/constructs/identity';
import { synthesizeApp, type SynthesizedApp } from './synth.ts';

describe('identity and secrets', () => {
  let synthesized: SynthesizedApp;

  beforeAll(() => {
    synthesized = synthesizeApp();
  });

  it('has one user pool group per role', () => {
    // Prepare / Act
    const groups = Object.values(synthesized.statefulTemplate.findResources('AWS::Cognito::UserPoolGroup')).map(
      (group) => (group as { Properties: { GroupName: string } }).Properties.GroupName,
    );

    // Assess
    expect(groups.sort()).toEqual(['admin', 'carrier', 'customer', 'kiosk']);
    expect([...userGroups].sort()).toEqual(groups);
  });

  it('declares the custom:locationId attribute', () => {
    synthesized.statefulTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([Match.objectLike({ Name: 'locationId', AttributeDataType: 'String', Mutable: true })]),
    });
  });

  it('lets nobody sign themselves up', () => {
    synthesized.statefulTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
  });

  it('runs threat protection in enforcing mode on the Plus plan', () => {
    synthesized.statefulTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
  });

  it('lets the app client read custom:locationId but never write it', () => {
    // Prepare / Act
    const [client] = Object.values(synthesized.statefulTemplate.findResources('AWS::Cognito::UserPoolClient')) as {
      Properties: { ReadAttributes: string[]; WriteAttributes: string[] };
    }[];

    // Assess
    expect(client?.Properties.ReadAttributes).toContain('custom:locationId');
    expect(client?.Properties.WriteAttributes).toEqual(['email']);
  });

  it('gives the app client no secret, since it runs on devices', () => {
    synthesized.statefulTemplate.hasResourceProperties('AWS::Cognito::UserPoolClient', { GenerateSecret: false });
  });

  it('generates the pickup-code secret as a 64-character string without punctuation', () => {
    synthesized.statefulTemplate.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    });
  });

  it('outputs the user pool and client ids', () => {
    // Prepare / Act
    const outputs = Object.keys(synthesized.statefulTemplate.findOutputs('*'));

    // Assess
    expect(outputs).toEqual(expect.arrayContaining(['UserPoolId', 'UserPoolClientId', 'TableName']));
  });
});
