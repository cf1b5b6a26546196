import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { scheduledFunctions } from '#shared/manifest';
import type { Functions } from '#infra/constructs/functions';

export interface SchedulesProps {
  readonly functions: Functions;
}

/**
 * The scheduled functions of the manifest (today: the expiry sweep), each on an EventBridge rate
 * rule. Each run is idempotent and the next is minutes away, so a run that cannot start within one
 * period is dropped rather than queued behind the next one.
 */
export class Schedules extends Construct {
  readonly rules: ReadonlyMap<string, Rule>;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    const rules = new Map<string, Rule>();
    for (const scheduled of scheduledFunctions) {
      const period = Duration.minutes(scheduled.everyMinutes);
      const fn = props.functions.get(scheduled.name);
      fn.function.configureAsyncInvoke({ maxEventAge: period, retryAttempts: 1 });
      const rule = new Rule(this, `${scheduled.name}-schedule`, {
        description: `Runs ${scheduled.name} every ${scheduled.everyMinutes} minutes`,
        schedule: Schedule.rate(period),
      });
      rule.addTarget(new LambdaTarget(fn.function, { maxEventAge: period, retryAttempts: 2 }));
      rules.set(scheduled.name, rule);
    }
    this.rules = rules;
  }
}
