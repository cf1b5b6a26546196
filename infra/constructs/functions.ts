import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { functionDefinitions, type FunctionDefinition, type Needs } from '#shared/manifest';
import { entryFor } from '#infra/constructs/bundling';
import { LockerFunction, type DoorsBinding, type NotifierBinding } from '#infra/constructs/locker-function';
import type { StageConfig } from '#infra/stacks/stage';

/** The resources a function's needs can point at. */
export interface NeedResources {
  readonly table: ITable;
  readonly pickupCodeSecret: ISecret;
  readonly doors: DoorsBinding;
  readonly notifier: NotifierBinding;
}

export interface FunctionsProps {
  readonly stage: StageConfig;
  readonly resources: NeedResources;
  /** Defaults to the whole manifest. */
  readonly definitions?: readonly FunctionDefinition[];
}

/**
 * One Lambda per entry of the function manifest, each given what its `needs` declare and nothing
 * more: the environment variable and the IAM grant of each need are set together by the function
 * construct's `bind…()` helpers. A function without `needs.table` never learns the table name; one
 * without `needs.pickupCodeSecret` can neither name nor read the secret; one without `needs.doors`
 * neither knows the IoT endpoint nor may touch a shadow.
 */
export class Functions extends Construct {
  readonly byName: ReadonlyMap<string, LockerFunction>;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const byName = new Map<string, LockerFunction>();
    for (const definition of props.definitions ?? functionDefinitions) {
      const fn = new LockerFunction(this, definition.name, {
        name: definition.name,
        entry: entryFor(definition),
        stage: props.stage,
        ...triggerSettings(definition),
      });
      bindNeeds(fn, definition.needs, props.resources);
      byName.set(definition.name, fn);
    }
    this.byName = byName;
  }

  get(name: string): LockerFunction {
    const fn = this.byName.get(name);
    if (fn === undefined) throw new Error(`No function ${name} in the manifest`);
    return fn;
  }

  lambdas(): ReadonlyMap<string, IFunction> {
    return new Map([...this.byName].map(([name, fn]) => [name, fn.function]));
  }
}

function triggerSettings(definition: FunctionDefinition): { description: string; timeout?: Duration } {
  switch (definition.kind) {
    case 'http':
      return { description: `${definition.method} ${definition.path}` };
    case 'schedule':
      return {
        description: `${definition.name} every ${definition.everyMinutes} minutes`,
        // Well inside one period, so two runs overlap only when one is stuck.
        timeout: Duration.minutes(Math.min(15, Math.max(1, definition.everyMinutes - 1))),
      };
    case 'iot':
      return { description: `${definition.name} on ${definition.rule.topicFilter}` };
    case 'streams':
      // A batch of sends, each a few hundred milliseconds at worst, with room for the SDK's retries.
      return { description: definition.description, timeout: Duration.minutes(1) };
  }
}

function bindNeeds(fn: LockerFunction, needs: Needs, resources: NeedResources): void {
  if (needs.table !== undefined) fn.bindTable(resources.table, needs.table);
  if (needs.pickupCodeSecret === true) fn.bindPickupCodeSecret(resources.pickupCodeSecret);
  if (needs.doors === true) fn.bindDoors(resources.doors);
  if (needs.notifier === true) fn.bindNotifier(resources.notifier);
}
