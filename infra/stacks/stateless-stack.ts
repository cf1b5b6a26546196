import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { routes } from '#shared/http/routes';
import { Api } from '#infra/constructs/api';
import { Expiry } from '#infra/constructs/expiry';
import { Firewall } from '#infra/constructs/firewall';
import { HttpFunctions } from '#infra/constructs/http-functions';
import type { StageConfig } from '#infra/stacks/stage';

export interface StatelessStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly table: ITable;
  readonly userPool: IUserPool;
  readonly pickupCodeSecret: ISecret;
}

/** Code and the things in front of it: safe to destroy and redeploy at any time. */
export class StatelessStack extends Stack {
  readonly api: Api;
  readonly httpFunctions: HttpFunctions;
  readonly expiry: Expiry;
  readonly firewall: Firewall;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);

    this.httpFunctions = new HttpFunctions(this, 'Http', {
      stage: props.stage,
      routes,
      table: props.table,
      pickupCodeSecret: props.pickupCodeSecret,
    });

    this.api = new Api(this, 'Api', {
      stage: props.stage,
      routes,
      functions: this.httpFunctions.functions(),
      userPool: props.userPool,
    });

    this.firewall = new Firewall(this, 'Firewall', {
      stageArn: this.api.restApi.deploymentStage.stageArn,
      guessableRoutes: routes.filter((route) => route.guessable === true),
    });

    this.expiry = new Expiry(this, 'Expiry', {
      stage: props.stage,
      table: props.table,
      pickupCodeSecret: props.pickupCodeSecret,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.restApi.url });
  }
}
