import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { RouteDefinition } from '#shared/http/routes';
import { httpEntry } from '#infra/constructs/bundling';
import { LockerFunction } from '#infra/constructs/locker-function';
import type { StageConfig } from '#infra/stacks/stage';

export interface HttpFunctionsProps {
  readonly stage: StageConfig;
  readonly routes: readonly RouteDefinition[];
  readonly table: ITable;
  readonly pickupCodeSecret: ISecret;
}

/**
 * One function per route, each granted what its manifest entry declares and nothing more: a route
 * with `tableAccess: 'none'` never learns the table name, one without `usesPickupCodeSecret` cannot
 * read the secret.
 */
export class HttpFunctions extends Construct {
  readonly byRoute: ReadonlyMap<string, LockerFunction>;

  constructor(scope: Construct, id: string, props: HttpFunctionsProps) {
    super(scope, id);
    const byRoute = new Map<string, LockerFunction>();
    for (const route of props.routes) {
      const fn = new LockerFunction(this, route.name, {
        name: route.name,
        entry: httpEntry(route.name),
        stage: props.stage,
        description: `${route.method} ${route.path}`,
      });
      if (route.tableAccess !== 'none') fn.bindTable(props.table, route.tableAccess);
      if (route.usesPickupCodeSecret) fn.bindPickupCodeSecret(props.pickupCodeSecret);
      byRoute.set(route.name, fn);
    }
    this.byRoute = byRoute;
  }

  functions(): ReadonlyMap<string, IFunction> {
    return new Map([...this.byRoute].map(([name, fn]) => [name, fn.function]));
  }
}
