import { beforeAll, describe, expect, it } from 'vitest';
import { functionDefinitions, iotFunctions, ruleSql } from '#shared/manifest';
import { shadowActions } from '#infra/constructs/locker-function';
import { logicalId, synthesizeApp, type SynthesizedApp } from './synth.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Resource = { Type: string; Properties: Record<string, Json>; Metadata?: Record<string, Json>; DeletionPolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: Json; Condition?: Json };

/** A template string with its Refs written `${Name}`, so ARNs built with Fn::Join read as text. */
function text(value: Json | undefined): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const join = value['Fn::Join'] as [string, Json[]] | undefined;
    if (join !== undefined) return join[1].map(text).join(join[0]);
    if (typeof value.Ref === 'string') return `\${${value.Ref}}`;
  }
  throw new Error(`not a string: ${JSON.stringify(value)}`);
}

function list<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

const thing = '${iot:Connection.Thing.ThingName}';
const iotArn = (resource: string) => `arn:\${AWS::Partition}:iot:\${AWS::Region}:\${AWS::AccountId}:${resource}`;
const doorFunctions = functionDefinitions.filter((fn) => fn.needs.doors === true).map((fn) => fn.name);

describe('doors: AWS IoT Core', () => {
  let synthesized: SynthesizedApp;
  let resources: Record<string, Resource>;

  beforeAll(() => {
    synthesized = synthesizeApp();
    resources = synthesized.statelessTemplate.toJSON().Resources as Record<string, Resource>;
  });

  function ofType(type: string): [string, Resource][] {
    return Object.entries(resources).filter(([, resource]) => resource.Type === type);
  }

  function functionResource(name: string): Resource {
    return resources[logicalId(synthesized.stateless.functions.get(name).function)]!;
  }

  function roleStatements(name: string): Statement[] {
    const roleId = logicalId(synthesized.stateless.functions.get(name).role);
    return ofType('AWS::IAM::Policy')
      .filter(([, policy]) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
      .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  }

  function lockerPolicy(): Statement[] {
    const [entry, ...others] = ofType('AWS::IoT::Policy');
    expect(others).toEqual([]);
    return (entry![1].Properties.PolicyDocument as unknown as { Statement: Statement[] }).Statement;
  }

  describe('topic rules', () => {
    it('has one rule per IoT function of the manifest, with the SQL derived from its rule and the 2016-03-23 SQL version', () => {
      // Act
      const payloads = ofType('AWS::IoT::TopicRule').map(([, rule]) => rule.Properties.TopicRulePayload as Record<string, Json>);

      // Assess
      expect(payloads.map((payload) => payload.Sql).sort()).toEqual(iotFunctions.map((fn) => ruleSql(fn.rule)).sort());
      for (const payload of payloads) {
        expect(payload.AwsIotSqlVersion).toBe('2016-03-23');
        expect(payload.RuleDisabled).toBe(false);
      }
    });

    it('sends door shadow documents with the thing and shadow names to reconcile-door', () => {
      // Prepare
      const rule = synthesized.stateless.doors.rules.get('reconcile-door');
      if (rule === undefined) throw new Error('no reconcile-door rule');

      // Act
      const payload = resources[logicalId(rule)]!.Properties.TopicRulePayload as Record<string, Json>;

      // Assess
      expect(payload.Sql).toBe(
        "SELECT *, topic(3) AS thingName, topic(6) AS shadowName FROM '$aws/things/+/shadow/name/+/update/documents'",
      );
    });

    it("invokes exactly its own function from each rule", () => {
      for (const fn of iotFunctions) {
        // Prepare
        const rule = synthesized.stateless.doors.rules.get(fn.name);
        if (rule === undefined) throw new Error(`no rule for ${fn.name}`);

        // Act
        const payload = resources[logicalId(rule)]!.Properties.TopicRulePayload as Record<string, Json>;

        // Assess
        expect([fn.name, payload.Actions]).toEqual([
          fn.name,
          [{ Lambda: { FunctionArn: { 'Fn::GetAtt': [logicalId(synthesized.stateless.functions.get(fn.name).function), 'Arn'] } } }],
        ]);
      }
    });

    it('logs what a rule could not deliver to a log group with a retention, through a role only IoT of this account may assume', () => {
      // Prepare
      const groupId = logicalId(synthesized.stateless.doors.ruleErrors);

      for (const [, rule] of ofType('AWS::IoT::TopicRule')) {
        // Act
        const errorAction = (rule.Properties.TopicRulePayload as { ErrorAction: { CloudwatchLogs: { LogGroupName: Json; RoleArn: Json } } })
          .ErrorAction.CloudwatchLogs;
        const roleId = (errorAction.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
        const role = resources[roleId]!;
        const statements = ofType('AWS::IAM::Policy')
          .filter(([, policy]) => (policy.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === roleId))
          .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);

        // Assess
        expect(errorAction.LogGroupName).toEqual({ Ref: groupId });
        expect(resources[groupId]!.Properties.RetentionInDays).toBe(14);
        expect(role.Properties.AssumeRolePolicyDocument).toEqual({
          Version: '2012-10-17',
          Statement: [
            {
              Action: 'sts:AssumeRole',
              Effect: 'Allow',
              Principal: { Service: 'iot.amazonaws.com' },
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            },
          ],
        });
        expect(statements.flatMap((statement) => list(statement.Action)).sort()).toEqual([
          'logs:CreateLogStream',
          'logs:DescribeLogStreams',
          'logs:PutLogEvents',
        ]);
        for (const resource of statements.flatMap((statement) => list(statement.Resource))) {
          expect(JSON.stringify(resource)).toContain(groupId);
        }
      }
    });

    it('lets IoT invoke each IoT function only from its own rule in this account', () => {
      for (const fn of iotFunctions) {
        // Prepare
        const functionId = logicalId(synthesized.stateless.functions.get(fn.name).function);
        const rule = synthesized.stateless.doors.rules.get(fn.name)!;

        // Act
        const permissions = ofType('AWS::Lambda::Permission')
          .map(([, permission]) => permission.Properties)
          .filter((properties) => JSON.stringify(properties.FunctionName).includes(functionId));

        // Assess
        expect([fn.name, permissions]).toEqual([
          fn.name,
          [
            {
              Action: 'lambda:InvokeFunction',
              FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
              Principal: 'iot.amazonaws.com',
              SourceArn: { 'Fn::GetAtt': [logicalId(rule), 'Arn'] },
              SourceAccount: { Ref: 'AWS::AccountId' },
            },
          ],
        ]);
      }
    });
  });

  describe('the locker policy', () => {
    it('lets a locker connect only as its own, attached thing', () => {
      // Act
      const connect = lockerPolicy().filter((statement) => list(statement.Action).includes('iot:Connect'));

      // Assess
      expect(connect).toEqual([
        {
          Effect: 'Allow',
          Action: 'iot:Connect',
          Resource: expect.anything(),
          Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
        },
      ]);
      expect(text(connect[0]!.Resource)).toBe(iotArn(`client/${thing}`));
    });

    it("lets a locker publish only its own door shadows' update and get", () => {
      // Act
      const resourcesOf = lockerPolicy()
        .filter((statement) => list(statement.Action).includes('iot:Publish'))
        .flatMap((statement) => list(statement.Resource).map(text));

      // Assess
      expect(resourcesOf.sort()).toEqual([
        iotArn(`topic/$aws/things/${thing}/shadow/name/door-*/get`),
        iotArn(`topic/$aws/things/${thing}/shadow/name/door-*/update`),
      ]);
    });

    it("lets a locker receive only its own door shadows' replies", () => {
      // Act
      const resourcesOf = lockerPolicy()
        .filter((statement) => list(statement.Action).includes('iot:Receive'))
        .flatMap((statement) => list(statement.Resource).map(text));

      // Assess
      expect(resourcesOf.sort()).toEqual(
        ['get/accepted', 'get/rejected', 'update/accepted', 'update/delta', 'update/rejected'].map((reply) =>
          iotArn(`topic/$aws/things/${thing}/shadow/name/door-*/${reply}`),
        ),
      );
    });

    it("lets a locker subscribe to its own shadows' replies only, per door or with one `+` filter per reply", () => {
      // Act
      const resourcesOf = lockerPolicy()
        .filter((statement) => list(statement.Action).includes('iot:Subscribe'))
        .flatMap((statement) => list(statement.Resource).map(text));

      // Assess
      const replies = ['get/accepted', 'get/rejected', 'update/accepted', 'update/delta', 'update/rejected'];
      expect(resourcesOf.sort()).toEqual(
        [
          ...replies.map((reply) => iotArn(`topicfilter/$aws/things/${thing}/shadow/name/+/${reply}`)),
          ...replies.map((reply) => iotArn(`topicfilter/$aws/things/${thing}/shadow/name/door-*/${reply}`)),
        ].sort(),
      );
    });

    it('grants nothing but connect, publish, subscribe and receive, every statement an Allow on its own thing', () => {
      // Act
      const statements = lockerPolicy();
      const allResources = statements.flatMap((statement) => list(statement.Resource).map(text));

      // Assess
      expect([...new Set(statements.flatMap((statement) => list(statement.Action)))].sort()).toEqual([
        'iot:Connect',
        'iot:Publish',
        'iot:Receive',
        'iot:Subscribe',
      ]);
      expect(statements.map((statement) => statement.Effect)).toEqual(statements.map(() => 'Allow'));
      for (const resource of allResources) {
        expect(resource.includes(thing)).toBe(true);
        expect(resource).not.toContain('#');
        expect(resource).not.toMatch(/:(topic|topicfilter)\/\*/);
        expect(resource).not.toMatch(/\$aws\/things\/\*/);
      }
    });

    it('outlives the stack, and its name is a stack output for the provisioning script', () => {
      // Prepare
      const [[policyId, policy]] = ofType('AWS::IoT::Policy') as [[string, Resource]];

      // Act
      const outputs = synthesized.statelessTemplate.toJSON().Outputs as Record<string, { Value: Json }>;

      // Assess
      expect(policy.DeletionPolicy).toBe('Retain');
      expect(outputs.LockerPolicyName?.Value).toEqual({ Ref: policyId });
    });
  });

  describe('the data endpoint', () => {
    it("is read at deploy time with iot:DescribeEndpoint for the account's iot:Data-ATS endpoint, with that action only", () => {
      // Prepare
      const [[endpointId, endpoint], ...others] = ofType('Custom::IotDataEndpoint') as [string, Resource][] as [[string, Resource]];

      // Act
      const call = JSON.parse(endpoint.Properties.Create as string) as Record<string, Json>;
      const policies = ofType('AWS::IAM::Policy').filter(([id]) => (endpoint as { DependsOn?: string[] }).DependsOn?.includes(id) ?? false);

      // Assess
      expect(others).toEqual([]);
      expect(endpointId).toBeDefined();
      expect(call).toEqual(
        expect.objectContaining({ service: 'Iot', action: 'describeEndpoint', parameters: { endpointType: 'iot:Data-ATS' } }),
      );
      expect(policies.map(([, policy]) => policy.Properties.PolicyDocument)).toEqual([
        { Version: '2012-10-17', Statement: [{ Action: 'iot:DescribeEndpoint', Effect: 'Allow', Resource: '*' }] },
      ]);
    });

    it('gives exactly the door functions the https URL of that endpoint', () => {
      // Prepare
      const [[endpointId]] = ofType('Custom::IotDataEndpoint') as [[string, Resource]];

      for (const fn of functionDefinitions) {
        // Act
        const variables = (functionResource(fn.name).Properties.Environment as { Variables: Record<string, Json> }).Variables;

        // Assess
        expect([fn.name, variables.IOT_DATA_ENDPOINT]).toEqual([
          fn.name,
          doorFunctions.includes(fn.name)
            ? { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [endpointId, 'endpointAddress'] }]] }
            : undefined,
        ]);
      }
    });
  });

  describe('door functions', () => {
    it("lets exactly the door functions get and update shadows, on the account's things and nothing else of IoT", () => {
      expect(doorFunctions.length).toBeGreaterThan(0);
      for (const fn of functionDefinitions) {
        // Act
        const iotStatements = roleStatements(fn.name).filter((statement) =>
          list(statement.Action).some((action) => action.startsWith('iot:')),
        );

        // Assess
        expect([fn.name, iotStatements.map((statement) => ({ actions: list(statement.Action).sort(), resource: text(statement.Resource) }))]).toEqual([
          fn.name,
          doorFunctions.includes(fn.name) ? [{ actions: [...shadowActions].sort(), resource: iotArn('thing/*') }] : [],
        ]);
      }
    });

    it('gives every function the door timings, since every function that writes a slot derives deadlines from them', () => {
      for (const fn of functionDefinitions) {
        // Act
        const variables = (functionResource(fn.name).Properties.Environment as { Variables: Record<string, Json> }).Variables;

        // Assess
        expect([fn.name, variables.DOOR_COMMAND_TIMEOUT_SECONDS, variables.DOOR_LEFT_OPEN_SECONDS]).toEqual([fn.name, '30', '120']);
      }
    });

    it('takes the door timings from the stage context', () => {
      // Act
      const custom = synthesizeApp({ doorCommandTimeoutSeconds: '45', doorLeftOpenSeconds: '300' });
      const variables = (
        custom.statelessTemplate.toJSON().Resources[logicalId(custom.stateless.functions.get('update-slot').function)] as {
          Properties: { Environment: { Variables: Record<string, Json> } };
        }
      ).Properties.Environment.Variables;

      // Assess
      expect([variables.DOOR_COMMAND_TIMEOUT_SECONDS, variables.DOOR_LEFT_OPEN_SECONDS]).toEqual(['45', '300']);
    });

    it('refuses at synth a door timing the functions would refuse at cold start, naming the variable', () => {
      expect(() => synthesizeApp({ doorCommandTimeoutSeconds: '2' })).toThrow(/DOOR_COMMAND_TIMEOUT_SECONDS/);
    });
  });
});
