import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readStageConfig, type StageConfig } from '#infra/stacks/stage';
import { StatefulStack } from '#infra/stacks/stateful-stack';
import { StatelessStack } from '#infra/stacks/stateless-stack';

export interface LockerApp {
  readonly stage: StageConfig;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/**
 * Adds the service's two stacks to `app` and the AwsSolutions checks to the whole app. The checks
 * run as a CDK policy-validation plugin: any unacknowledged finding makes `app.synth()` (and so
 * `cdk synth`/`cdk deploy`) fail. infra/app.ts and the infra tests both build the app through here.
 */
export function addLockerStacks(app: App): LockerApp {
  const stage = readStageConfig(app.node);
  const env = {
    ...(process.env['CDK_DEFAULT_ACCOUNT'] === undefined ? {} : { account: process.env['CDK_DEFAULT_ACCOUNT'] }),
    ...(process.env['CDK_DEFAULT_REGION'] === undefined ? {} : { region: process.env['CDK_DEFAULT_REGION'] }),
  };
  const prefix = `Locker-${stage.name}`;
  const tags = { service: 'locker-service', stage: stage.name };

  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    stage,
    env,
    tags,
    description: `Parcel locker service (${stage.name}): table, user pool, pickup-code secret`,
    terminationProtection: stage.deletionProtection,
  });
  const stateless = new StatelessStack(app, `${prefix}-Stateless`, {
    stage,
    env,
    tags,
    description: `Parcel locker service (${stage.name}): API, functions, WAF, schedules`,
    table: stateful.table,
    userPool: stateful.userPool,
    pickupCodeSecret: stateful.pickupCodeSecret,
  });

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { stage, stateful, stateless };
}
