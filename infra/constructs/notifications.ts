import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { streamFunctions, type StreamFunction } from '#shared/manifest';
import type { Functions } from '#infra/constructs/functions';
import type { NotifierBinding } from '#infra/constructs/locker-function';
import { observabilitySettings } from '#shared/config';
import { serviceName, type StageConfig } from '#infra/stacks/stage';

export interface NotificationsProps {
  readonly stage: StageConfig;
  /** Defaults to the manifest's stream functions. */
  readonly streams?: readonly StreamFunction[];
}

/** The table's stream is read this far behind at most before a record is retried no more. */
const maxRecordAge = Duration.hours(6);

/**
 * Telling people (docs/architecture.md §7): the `parcel-events` topic for integrators and the operators'
 * topic, both KMS-encrypted and TLS-only; the SES identity the emails are sent from; and, once the
 * functions exist, the table's stream feeding each stream function of the manifest with its
 * filter, batching, bisecting and bounded retries, failed records going to an encrypted SQS
 * dead-letter queue whose first message raises an alarm on the operators' topic.
 *
 * Like Doors: `new Notifications(…)`, then `new Functions(…, { notifier })`, then
 * `notifications.addStreams(functions, table)`.
 */
export class Notifications extends Construct implements NotifierBinding {
  readonly parcelEvents: Topic;
  readonly operatorAlerts: Topic;
  readonly topicKey: Key;
  readonly emailSender: string;
  readonly emailIdentityArn: string;
  readonly deadLetters: Queue;
  readonly deadLetterAlarm: Alarm;
  readonly undeliverableAlarm: Alarm;
  readonly streamLagAlarms = new Map<string, Alarm>();
  private readonly streams: readonly StreamFunction[];

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.streams = props.streams ?? streamFunctions;

    this.topicKey = new Key(this, 'TopicKey', {
      description: 'Encrypts the parcel-events and operator-alerts topics',
      enableKeyRotation: true,
      removalPolicy: props.stage.removalPolicy,
    });
    // CloudWatch alarms publish to the operators' topic: the service needs the key for that.
    this.topicKey.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');

    const stackName = Stack.of(this).stackName;
    this.parcelEvents = new Topic(this, 'ParcelEvents', {
      topicName: `${stackName}-parcel-events`,
      displayName: 'Parcel events (no secrets): filter on eventType, locationId, carrierId',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    this.operatorAlerts = new Topic(this, 'OperatorAlerts', {
      topicName: `${stackName}-operator-alerts`,
      displayName: 'Locker operators: door faults, stuck parcels, undelivered notifications',
      masterKey: this.topicKey,
      enforceSSL: true,
    });

    this.emailSender = props.stage.emailSender;
    const domain = senderDomain(props.stage.emailSender);
    const identity = new EmailIdentity(this, 'EmailIdentity', { identity: Identity.domain(domain) });
    this.emailIdentityArn = Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: identity.emailIdentityName });

    this.deadLetters = new Queue(this, 'NotifierDeadLetters', {
      // SQS-managed keys: the failure destination's grant then needs no KMS action at all.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter destination of the notifier stream: nothing consumes it automatically, so it has no dead-letter queue of its own.',
    });

    this.deadLetterAlarm = new Alarm(this, 'NotifierDeadLettersAlarm', {
      alarmDescription: 'Notifications failed after every retry: read the dead-letter queue (each message names the stream records) and redrive',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm.addAlarmAction(new SnsAction(this.operatorAlerts));
    // Refusals no retry can change (a bad number, an opted-out phone) are counted, not dead-lettered:
    // a burst of them usually means a broken sender or template, not bad customers.
    this.undeliverableAlarm = new Alarm(this, 'UndeliverableAlarm', {
      alarmDescription: 'Many notifications refused for good in an hour (NotificationUndeliverable): check the SES sender and SNS SMS settings',
      metric: new Metric({
        namespace: observabilitySettings({}).POWERTOOLS_METRICS_NAMESPACE,
        metricName: 'NotificationUndeliverable',
        dimensionsMap: { service: serviceName },
        statistic: 'Sum',
        period: Duration.hours(1),
      }),
      threshold: 20,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.undeliverableAlarm.addAlarmAction(new SnsAction(this.operatorAlerts));

    // enforceSSL gives the topic a policy of its own, which replaces SNS's default one that lets
    // the account's alarms publish: say so again, for this account's alarms only.
    this.operatorAlerts.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AlarmsOfThisAccount',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.operatorAlerts.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
  }

  /** Feeds each stream function from the table's stream, as the manifest describes. */
  addStreams(functions: Functions, table: ITable): void {
    for (const stream of this.streams) {
      const fn = functions.get(stream.name);
      fn.function.addEventSource(
        new DynamoEventSource(table, {
          // A new deployment tells about what happens from now on, not the stream's last 24 hours.
          startingPosition: StartingPosition.LATEST,
          filters: [FilterCriteria.filter(stream.filter)],
          batchSize: stream.batchSize,
          maxBatchingWindow: Duration.seconds(stream.maxBatchingWindowSeconds),
          bisectBatchOnError: true,
          reportBatchItemFailures: true,
          retryAttempts: stream.retryAttempts,
          maxRecordAge,
          onFailure: new SqsDlq(this.deadLetters),
        }),
      );
      // A notifier falling behind tells people late long before anything reaches the dead letters.
      const lag = new Alarm(this, `${stream.name}-lag`, {
        alarmDescription: `${stream.name} is more than 5 minutes behind the table stream (IteratorAge)`,
        metric: fn.function.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) }),
        threshold: Duration.minutes(5).toMilliseconds(),
        evaluationPeriods: 5,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      lag.addAlarmAction(new SnsAction(this.operatorAlerts));
      this.streamLagAlarms.set(stream.name, lag);
    }
  }
}

/** `Name <user@domain>` or `user@domain` → `domain`; refuses anything else at synth. */
export function senderDomain(sender: string): string {
  const address = /<([^<>\s]+)>\s*$/.exec(sender)?.[1] ?? sender.trim();
  const domain = /^[^@\s]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$/.exec(address)?.[1];
  if (domain === undefined) throw new Error(`emailSender must be an address, optionally with a name ("Name <user@domain>"), got ${JSON.stringify(sender)}`);
  return domain.toLowerCase();
}
