import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { App, Stack } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iotFunctions, ruleSql } from '#shared/manifest';
import { Doors } from '#infra/constructs/doors';
import { IntrinsicResolver, localSecretArn } from '#infra/local/cloud-assembly/intrinsics';
import { readAssembly } from '#infra/local/cloud-assembly/read';
import { startSecretsManager } from '#infra/local/secrets-manager';
import { readStageConfig } from '#infra/stacks/stage';

const local = { region: 'us-east-1', accountId: '000000000000', tableName: 'local-table', iotDataEndpoint: 'http://127.0.0.1:4580' };

const stateful = {
  stackName: 'Stateful',
  template: {
    Resources: { Table: { Type: 'AWS::DynamoDB::Table' }, Secret: { Type: 'AWS::SecretsManager::Secret' } },
    Outputs: {
      TableArnOutput: { Value: { 'Fn::GetAtt': ['Table', 'Arn'] } },
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

describe('the IoT data endpoint', () => {
  let synthesized: ReturnType<typeof synthesizedWithEndpoint>;

  beforeAll(() => {
    // Loading aws-cdk-lib and synthesizing takes seconds on a small machine: once for the block.
    synthesized = synthesizedWithEndpoint();
  }, 60_000);

  /** A stack as CDK synthesizes it: the Doors construct's endpoint read, and a function given its URL. */
  function synthesizedWithEndpoint() {
    const app = new App({ context: { 'locker:inlineCode': 'true' } });
    const stack = new Stack(app, 'Stateless');
    const doors = new Doors(stack, 'Doors', { stage: readStageConfig(app.node), rules: [] });
    new LambdaFunction(stack, 'Fn', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = async () => ({});'),
      environment: { IOT_DATA_ENDPOINT: doors.dataEndpoint },
    });
    const template = app.synth().getStackByName('Stateless').template as {
      Resources: Record<string, { Type: string; Properties: { Environment?: { Variables: Record<string, unknown> } } }>;
    };
    const fn = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Environment);
    const variable = fn!.Properties.Environment!.Variables.IOT_DATA_ENDPOINT as { 'Fn::Join': [string, [string, never]] };
    return { stack: { stackName: 'Stateless', template: template as never }, variable };
  }

  it("resolves the https URL CDK builds from the account's endpoint address to exactly the local IoT endpoint", () => {
    // Prepare
    const { stack, variable } = synthesized;

    // Act
    const value = new IntrinsicResolver([stack], local).resolve(stack, variable as never);

    // Assess
    expect(value).toBe('http://127.0.0.1:4580');
  });

  it('resolves the endpoint address alone to the local host and port', () => {
    // Prepare
    const { stack, variable } = synthesized;
    const getAtt = variable['Fn::Join'][1][1];

    // Act
    const value = new IntrinsicResolver([stack], local).resolve(stack, getAtt);

    // Assess
    expect(value).toBe('127.0.0.1:4580');
  });

  it('refuses an attribute of any other custom resource instead of guessing it', () => {
    // Prepare
    const stack = {
      stackName: 'S',
      template: { Resources: { Other: { Type: 'Custom::AWS', Properties: { Create: '{"service":"S3","action":"listBuckets"}' } } } },
    };

    // Act / Assess
    expect(() => new IntrinsicResolver([stack], local).resolve(stack, { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': ['Other', 'endpointAddress'] }]] })).toThrow(
      /no local value for Custom::AWS\.endpointAddress/,
    );
  });
});

describe('reading an assembly with doors', () => {
  let directory: string;

  beforeAll(() => {
    // Prepare: the shapes CDK writes, trimmed to what the reader looks at.
    directory = mkdtempSync(join(tmpdir(), 'assembly-'));
    for (const asset of ['asset.fn', 'asset.provider']) mkdirSync(join(directory, asset));
    const functionArn = { 'Fn::GetAtt': ['ReconcileFn', 'Arn'] };
    const template = {
      Resources: {
        Table: {
          Type: 'AWS::DynamoDB::Table',
          Properties: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }] },
        },
        ReconcileFn: {
          Type: 'AWS::Lambda::Function',
          Metadata: { 'aws:asset:path': 'asset.fn', 'locker:function': 'reconcile-door' },
          Properties: {
            Handler: 'index.handler',
            Environment: {
              Variables: {
                TABLE_NAME: { Ref: 'Table' },
                IOT_DATA_ENDPOINT: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': ['Endpoint', 'endpointAddress'] }]] },
              },
            },
          },
        },
        Provider: { Type: 'AWS::Lambda::Function', Metadata: { 'aws:asset:path': 'asset.provider' }, Properties: { Handler: 'index.handler' } },
        Endpoint: {
          Type: 'Custom::IotDataEndpoint',
          Properties: {
            ServiceToken: { 'Fn::GetAtt': ['Provider', 'Arn'] },
            Create: JSON.stringify({ service: 'Iot', action: 'describeEndpoint', parameters: { endpointType: 'iot:Data-ATS' } }),
          },
        },
        Rule: {
          Type: 'AWS::IoT::TopicRule',
          Properties: { TopicRulePayload: { Sql: ruleSql(iotFunctions[0]!.rule), RuleDisabled: false, Actions: [{ Lambda: { FunctionArn: functionArn } }] } },
        },
        DisabledRule: {
          Type: 'AWS::IoT::TopicRule',
          Properties: { TopicRulePayload: { Sql: "SELECT * FROM 'off'", RuleDisabled: true, Actions: [{ Lambda: { FunctionArn: functionArn } }] } },
        },
      },
    };
    writeFileSync(join(directory, 'Stateless.template.json'), JSON.stringify(template));
    writeFileSync(
      join(directory, 'manifest.json'),
      JSON.stringify({
        artifacts: { Stateless: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Stateless.template.json', stackName: 'Stateless' } } },
      }),
    );
  });

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it("gives a door function the local IoT endpoint as its IOT_DATA_ENDPOINT", () => {
    // Act
    const assembly = readAssembly(directory, local);

    // Assess
    expect(assembly.functions.map((fn) => [fn.name, fn.environment])).toEqual([
      ['reconcile-door', { TABLE_NAME: 'local-table', IOT_DATA_ENDPOINT: 'http://127.0.0.1:4580' }],
    ]);
  });

  it('leaves out the Lambda that serves a custom resource at deploy time', () => {
    // Act
    const names = readAssembly(directory, local).functions.map((fn) => fn.logicalId);

    // Assess
    expect(names).not.toContain('Provider');
  });

  it('lists each enabled topic rule with the manifest name of the function it invokes and its SQL', () => {
    // Act
    const { iotRules } = readAssembly(directory, local);

    // Assess
    expect(iotRules).toEqual([{ functionName: 'reconcile-door', sql: ruleSql(iotFunctions[0]!.rule) }]);
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

describe('reading an assembly with a stream function', () => {
  let directory: string;
  const topicArn = (name: string) => `arn:aws:sns:us-east-1:000000000000:${name}`;

  beforeAll(async () => {
    // Prepare: what CDK synthesizes for a DynamoEventSource as the notifications construct sets it up.
    const { AttributeType, StreamViewType, Table } = await import('aws-cdk-lib/aws-dynamodb');
    const { FilterCriteria, FilterRule, StartingPosition } = await import('aws-cdk-lib/aws-lambda');
    const { DynamoEventSource, SqsDlq } = await import('aws-cdk-lib/aws-lambda-event-sources');
    const { Topic } = await import('aws-cdk-lib/aws-sns');
    const { Queue } = await import('aws-cdk-lib/aws-sqs');
    const app = new App();
    const stack = new Stack(app, 'Stateless');
    const table = new Table(stack, 'Table', { partitionKey: { name: 'PK', type: AttributeType.STRING }, stream: StreamViewType.NEW_AND_OLD_IMAGES });
    const parcelEvents = new Topic(stack, 'ParcelEvents', { topicName: 'parcel-events' });
    const unnamed = new Topic(stack, 'OperatorAlerts');
    const fn = new LambdaFunction(stack, 'NotifyFn', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = async () => ({});'),
      environment: { PARCEL_EVENTS_TOPIC_ARN: parcelEvents.topicArn, OPERATOR_ALERTS_TOPIC_ARN: unnamed.topicArn, EMAIL_SENDER: 'Lockers <no-reply@lockers.example>' },
    });
    fn.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 25,
        bisectBatchOnError: true,
        retryAttempts: 3,
        reportBatchItemFailures: true,
        filters: [FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT'), dynamodb: { NewImage: { entity: { S: FilterRule.isEqual('EVENT') } } } })],
        onFailure: new SqsDlq(new Queue(stack, 'DeadLetters')),
      }),
    );
    const template = app.synth().getStackByName('Stateless').template as { Resources: Record<string, { Type: string; Metadata?: Record<string, unknown> }> };
    // Inline code has no bundle: the reader only needs the asset path and the manifest name a bundled function carries.
    const notify = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::Lambda::Function')!;
    notify.Metadata = { ...notify.Metadata, 'aws:asset:path': 'asset.fn', 'locker:function': 'notify' };
    directory = mkdtempSync(join(tmpdir(), 'assembly-'));
    mkdirSync(join(directory, 'asset.fn'));
    writeFileSync(join(directory, 'Stateless.template.json'), JSON.stringify(template));
    writeFileSync(
      join(directory, 'manifest.json'),
      JSON.stringify({ artifacts: { Stateless: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Stateless.template.json', stackName: 'Stateless' } } } }),
    );
  }, 60_000);

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('maps the event source mapping to a stream trigger with its filter, batch and failure settings', () => {
    // Act
    const { streamTriggers } = readAssembly(directory, { ...local, topicArn });

    // Assess: the filter as the template holds it, a JSON string the stream trigger checks when it starts.
    expect(streamTriggers.map((trigger) => ({ ...trigger, filters: trigger.filters.map((filter) => JSON.parse(filter) as unknown) }))).toEqual([
      {
        functionName: 'notify',
        filters: [{ eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['EVENT'] } } } }],
        batchSize: 25,
        maxBatchingWindowMs: 0,
        retryAttempts: 3,
        bisectOnError: true,
        reportBatchItemFailures: true,
        startingPosition: 'LATEST',
      },
    ]);
  });

  it('gives the function the local SNS topics’ ARNs, by topic name or else logical id, and its sender as written', () => {
    // Act
    const assembly = readAssembly(directory, { ...local, topicArn });

    // Assess
    expect(assembly.functions[0]?.environment).toEqual({
      PARCEL_EVENTS_TOPIC_ARN: topicArn('parcel-events'),
      OPERATOR_ALERTS_TOPIC_ARN: topicArn(assembly.topicNames.find((name) => name !== 'parcel-events')!),
      EMAIL_SENDER: 'Lockers <no-reply@lockers.example>',
    });
    expect(assembly.topicNames).toHaveLength(2);
    expect(assembly.topicNames).toContain('parcel-events');
  });
});
