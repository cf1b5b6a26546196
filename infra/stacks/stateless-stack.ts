import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { httpFunctions } from '#shared/manifest';
import { Api } from '#infra/constructs/api';
import { Doors } from '#infra/constructs/doors';
import { Firewall } from '#infra/constructs/firewall';
import { Functions } from '#infra/constructs/functions';
import { Notifications } from '#infra/constructs/notifications';
import { Schedules } from '#infra/constructs/schedules';
import type { StageConfig } from '#infra/stacks/stage';

export interface StatelessStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly table: ITable;
  readonly userPool: IUserPool;
  readonly pickupCodeSecret: ISecret;
}

/** Code and the things in front of it: safe to destroy and redeploy at any time. */
export class StatelessStack extends Stack {
  readonly functions: Functions;
  readonly api: Api;
  readonly schedules: Schedules;
  readonly firewall: Firewall;
  readonly doors: Doors;
  readonly notifications: Notifications;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);

    this.doors = new Doors(this, 'Doors', { stage: props.stage });

    this.notifications = new Notifications(this, 'Notifications', { stage: props.stage });

    this.functions = new Functions(this, 'Functions', {
      stage: props.stage,
      resources: { table: props.table, pickupCodeSecret: props.pickupCodeSecret, doors: this.doors, notifier: this.notifications },
    });

    this.doors.addRules(this.functions);
    this.notifications.addStreams(this.functions, props.table);

    this.api = new Api(this, 'Api', {
      stage: props.stage,
      routes: httpFunctions,
      functions: this.functions.lambdas(),
      userPool: props.userPool,
    });

    this.firewall = new Firewall(this, 'Firewall', {
      stageArn: this.api.restApi.deploymentStage.stageArn,
      guessableRoutes: httpFunctions.filter((route) => route.guessable === true),
    });

    this.schedules = new Schedules(this, 'Schedules', { functions: this.functions });

    new CfnOutput(this, 'ApiUrl', { value: this.api.restApi.url });
    new CfnOutput(this, 'ParcelEventsTopicArn', {
      value: this.notifications.parcelEvents.topicArn,
      description: 'Every parcel event without secrets; subscribe with a filter policy on eventType, locationId or carrierId',
    });
    new CfnOutput(this, 'OperatorAlertsTopicArn', { value: this.notifications.operatorAlerts.topicArn });
    // Read by `npm run locker:provision` from the deploy's outputs file.
    new CfnOutput(this, 'LockerPolicyName', {
      value: this.doors.lockerPolicy.ref,
      description: 'The IoT policy attached to every locker certificate',
    });
  }
}
