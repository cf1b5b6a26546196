import { beforeAll, describe, expect, it } from 'vitest';
import { functionDefinitions, manifest } from '#shared/manifest';
import { senderDomain } from '#infra/constructs/notifications';
import { logicalId, synthesizeApp, type SynthesizedApp } from './synth.ts';

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource?: unknown; NotResource?: unknown; Condition?: unknown; Principal?: unknown };

describe('notifications: topics, the stream trigger, its dead letters and the notifier grants', () => {
  let synthesized: SynthesizedApp;
  const statementsOf = (name: string): Statement[] => {
    const fn = synthesized.stateless.functions.get(name);
    const roleId = logicalId(fn.role);
    const policies = Object.values(synthesized.statelessTemplate.findResources('AWS::IAM::Policy')) as {
      Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } };
    }[];
    return policies.filter((policy) => policy.Properties.Roles.some((role) => role.Ref === roleId)).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
  };
  const actionsOf = (statement: Statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);

  beforeAll(() => {
    synthesized = synthesizeApp({ emailSender: 'Lockers <no-reply@parcels.example.org>' });
  });

  it('feeds the notify function from the table stream with the manifest filter, bisecting, bounded retries and the dead-letter queue', () => {
    // Prepare
    const notify = synthesized.stateless.functions.get('notify');
    const queue = synthesized.stateless.notifications.deadLetters;

    // Act
    const mappings = Object.values(synthesized.statelessTemplate.findResources('AWS::Lambda::EventSourceMapping')) as { Properties: Record<string, unknown> }[];

    // Assess
    expect(mappings).toHaveLength(1);
    const properties = mappings[0]!.Properties;
    expect(properties).toMatchObject({
      FunctionName: { Ref: logicalId(notify.function) },
      StartingPosition: 'LATEST',
      BatchSize: manifest.notify.batchSize,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: manifest.notify.retryAttempts,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(queue), 'Arn'] } } },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(manifest.notify.filter) }] },
    });
    expect(JSON.stringify(properties.EventSourceArn)).toContain('StreamArn');
  });

  it('delivers only event items as they are written: the filter matches an event INSERT and nothing else', () => {
    // Assess: the pattern in the manifest, read as Lambda reads it.
    expect(manifest.notify.filter).toEqual({ eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['EVENT'] } } } });
  });

  it('encrypts both topics with a rotating key and refuses publishing without TLS', () => {
    // Act
    const topics = Object.values(synthesized.statelessTemplate.findResources('AWS::SNS::Topic')) as { Properties: { TopicName: string; KmsMasterKeyId?: unknown } }[];
    const policies = Object.values(synthesized.statelessTemplate.findResources('AWS::SNS::TopicPolicy')) as { Properties: { PolicyDocument: { Statement: Statement[] } } }[];
    const keys = Object.values(synthesized.statelessTemplate.findResources('AWS::KMS::Key')) as { Properties: { EnableKeyRotation?: boolean } }[];

    // Assess
    expect(topics.map((topic) => topic.Properties.TopicName.split('-').slice(-2).join('-')).sort()).toEqual(['operator-alerts', 'parcel-events']);
    for (const topic of topics) expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    expect(keys.every((key) => key.Properties.EnableKeyRotation === true)).toBe(true);
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it("lets this account's CloudWatch alarms, and only them, publish to the operators topic despite its TLS-only policy", () => {
    // Prepare
    const { operatorAlerts } = synthesized.stateless.notifications;

    // Act
    const policies = Object.values(synthesized.statelessTemplate.findResources('AWS::SNS::TopicPolicy')) as {
      Properties: { Topics: unknown[]; PolicyDocument: { Statement: Statement[] } };
    }[];
    const statements = policies
      .filter((policy) => JSON.stringify(policy.Properties.Topics) === JSON.stringify([{ Ref: logicalId(operatorAlerts) }]))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);

    // Assess
    expect(statements.filter((statement) => statement.Effect === 'Allow')).toEqual([
      {
        Sid: 'AlarmsOfThisAccount',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: logicalId(operatorAlerts) },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
  });

  it('raises an alarm on the operators topic at the first dead-lettered record', () => {
    // Prepare
    const { deadLetters, operatorAlerts } = synthesized.stateless.notifications;

    // Act
    const alarms = Object.values(synthesized.statelessTemplate.findResources('AWS::CloudWatch::Alarm')) as { Properties: Record<string, unknown> }[];
    const alarm = alarms.find((candidate) => JSON.stringify(candidate.Properties.Dimensions).includes(logicalId(deadLetters)));

    // Assess
    expect(alarm?.Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: logicalId(operatorAlerts) }],
    });
  });

  it('alarms on the operators topic when the notifier falls behind the stream or many messages are refused for good', () => {
    // Prepare
    const { operatorAlerts, undeliverableAlarm, streamLagAlarms } = synthesized.stateless.notifications;
    const notify = synthesized.stateless.functions.get('notify');
    const alarms = synthesized.statelessTemplate.findResources('AWS::CloudWatch::Alarm') as Record<string, { Properties: Record<string, unknown> }>;

    // Act
    const lag = alarms[logicalId(streamLagAlarms.get('notify')!)]?.Properties;
    const undeliverable = alarms[logicalId(undeliverableAlarm)]?.Properties;

    // Assess
    expect(lag).toMatchObject({
      MetricName: 'IteratorAge',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(notify.function) } }],
      Threshold: 300_000,
      AlarmActions: [{ Ref: logicalId(operatorAlerts) }],
    });
    expect(undeliverable).toMatchObject({
      MetricName: 'NotificationUndeliverable',
      Namespace: 'LockerService',
      Dimensions: [{ Name: 'service', Value: 'locker-service' }],
      AlarmActions: [{ Ref: logicalId(operatorAlerts) }],
    });
  });

  it('gives the notifier its topics, the sender and exactly the sends it needs', () => {
    // Prepare
    const { parcelEvents, operatorAlerts, topicKey } = synthesized.stateless.notifications;
    const notify = synthesized.stateless.functions.get('notify');
    const variables = (synthesized.statelessTemplate.findResources('AWS::Lambda::Function')[logicalId(notify.function)] as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    }).Properties.Environment.Variables;

    // Act
    const statements = statementsOf('notify').filter((statement) => actionsOf(statement).some((action) => /^(sns|ses|kms):/.test(action)));

    // Assess
    expect(variables).toMatchObject({
      PARCEL_EVENTS_TOPIC_ARN: { Ref: logicalId(parcelEvents) },
      OPERATOR_ALERTS_TOPIC_ARN: { Ref: logicalId(operatorAlerts) },
      EMAIL_SENDER: 'Lockers <no-reply@parcels.example.org>',
    });
    const identity = synthesized.stateless.notifications.node.findChild('EmailIdentity');
    const identities = synthesized.statelessTemplate.findResources('AWS::SES::EmailIdentity') as Record<string, { Properties: { EmailIdentity: string } }>;
    expect(identities[logicalId(identity)]?.Properties.EmailIdentity).toBe('parcels.example.org');
    const byAction = (action: string) => statements.filter((statement) => actionsOf(statement).includes(action));
    expect(byAction('sns:Publish')).toEqual([
      expect.objectContaining({ Resource: [{ Ref: logicalId(operatorAlerts) }, { Ref: logicalId(parcelEvents) }] }),
      // SMS: everything that is not a topic, so no topic of the account beyond the two above.
      { Sid: 'SmsToPhoneNumbersOnly', Effect: 'Allow', Action: 'sns:Publish', NotResource: 'arn:aws:sns:*:*:*' },
    ]);
    expect(byAction('kms:Decrypt')).toEqual([expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: { 'Fn::GetAtt': [logicalId(topicKey), 'Arn'] } })]);
    expect(JSON.stringify(byAction('ses:SendEmail').map((statement) => statement.Resource))).toBe(
      JSON.stringify([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':identity/', { Ref: logicalId(identity) }]] }]),
    );
    expect(statements).toHaveLength(4);
  });

  it('lets no function without the notifier need publish or send', () => {
    for (const definition of functionDefinitions.filter((fn) => fn.needs.notifier !== true)) {
      // Act
      const sends = statementsOf(definition.name).flatMap(actionsOf).filter((action) => /^(sns|ses):/.test(action));

      // Assess
      expect([definition.name, sends]).toEqual([definition.name, []]);
    }
  });

  it.each([
    ['Lockers <no-reply@Parcels.Example.org>', 'parcels.example.org'],
    ['no-reply@lockers.example.com', 'lockers.example.com'],
  ])('takes the SES identity from the sender %s', (sender, domain) => {
    expect(senderDomain(sender)).toBe(domain);
  });

  it('refuses a sender that is not an address at synth', () => {
    expect(() => senderDomain('Lockers')).toThrow(/emailSender must be an address/);
  });
});
