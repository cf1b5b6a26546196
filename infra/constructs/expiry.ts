import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { scheduledFunctions } from '#shared/http/routes';
import { scheduleEntry } from '#infra/constructs/bundling';
import { LockerFunction } from '#infra/constructs/locker-function';
import type { StageConfig } from '#infra/stacks/stage';

interface ScheduledFunction {
  readonly name: string;
  readonly everyMinutes: number;
  readonly tableAccess: 'none' | 'read' | 'readWrite';
  readonly usesPickupCodeSecret: boolean;
}

export interface ExpiryProps {
  readonly stage: StageConfig;
  readonly table: ITable;
  readonly pickupCodeSecret: ISecret;
}

/**
 * The scheduled functions of the manifest (today: the expiry sweep), each on an EventBridge rate
 * rule. The sweep is idempotent and the next run is minutes away, so a run that cannot start
 * within one period is dropped rather than queued behind the next one.
 */
export class Expiry extends Construct {
  readonly functions: ReadonlyMap<string, LockerFunction>;
  readonly rules: ReadonlyMap<string, Rule>;

  constructor(scope: Construct, id: string, props: ExpiryProps) {
    super(scope, id);
    const functions = new Map<string, LockerFunction>();
    const rules = new Map<string, Rule>();

    const schedules: readonly ScheduledFunction[] = scheduledFunctions;
    for (const scheduled of schedules) {
      const period = Duration.minutes(scheduled.everyMinutes);
      const fn = new LockerFunction(this, scheduled.name, {
        name: scheduled.name,
        entry: scheduleEntry(scheduled.name),
        stage: props.stage,
        // Well inside one period, so two sweeps overlap only when one is stuck.
        timeout: Duration.minutes(Math.min(15, Math.max(1, scheduled.everyMinutes - 1))),
        description: `${scheduled.name} every ${scheduled.everyMinutes} minutes`,
      });
      if (scheduled.tableAccess !== 'none') fn.bindTable(props.table, scheduled.tableAccess);
      if (scheduled.usesPickupCodeSecret) fn.bindPickupCodeSecret(props.pickupCodeSecret);
      fn.function.configureAsyncInvoke({ maxEventAge: period, retryAttempts: 1 });

      const rule = new Rule(this, `${scheduled.name}-schedule`, {
        description: `Runs ${scheduled.name} every ${scheduled.everyMinutes} minutes`,
        schedule: Schedule.rate(period),
      });
      rule.addTarget(new LambdaTarget(fn.function, { maxEventAge: period, retryAttempts: 2 }));

      functions.set(scheduled.name, fn);
      rules.set(scheduled.name, rule);
    }
    this.functions = functions;
    this.rules = rules;
  }
}
