import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { UserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { Data } from '#infra/constructs/data';
import { Identity } from '#infra/constructs/identity';
import { PickupCodeSecret } from '#infra/constructs/pickup-code-secret';
import type { StageConfig } from '#infra/stacks/stage';

export interface StatefulStackProps extends StackProps {
  readonly stage: StageConfig;
}

/**
 * What holds data or identities: deployed rarely, protected in prod, and never replaced as a side
 * effect of a code change in the stateless stack.
 */
export class StatefulStack extends Stack {
  readonly table: Table;
  readonly userPool: UserPool;
  readonly userPoolClient: UserPoolClient;
  readonly pickupCodeSecret: Secret;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);

    this.table = new Data(this, 'Data', { stage: props.stage }).table;
    const identity = new Identity(this, 'Identity', { stage: props.stage });
    this.userPool = identity.userPool;
    this.userPoolClient = identity.client;
    this.pickupCodeSecret = new PickupCodeSecret(this, 'PickupCode', { stage: props.stage }).secret;

    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
  }
}
