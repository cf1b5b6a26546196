import { beforeAll, describe, expect, it } from 'vitest';
import { indexList } from '#shared/adapters/dynamodb/table';
import { functionDefinitions, streamFunctions } from '#shared/manifest';
import { checkConfiguration } from '#shared/runtime';
import { indexActions, type LockerFunction, tableActions } from '#infra/constructs/locker-function';
import { logicalId, synthesizeApp, type SynthesizedApp } from './synth.ts';

interface Manifested {
  readonly name: string;
  readonly tableAccess: 'none' | 'read' | 'readWrite';
  readonly usesPickupCodeSecret: boolean;
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
type FunctionResource = {
  Metadata?: Record<string, unknown>;
  Properties: {
    Runtime: string;
    Architectures: string[];
    TracingConfig?: { Mode: string };
    LoggingConfig?: { LogGroup: unknown };
    Role: unknown;
    Environment?: { Variables: Record<string, unknown> };
  };
};

/**
 * What a template value becomes at deploy time, as far as a configuration check can tell: a Ref or an
 * import is some string, and a join keeps its literal parts (`https://` + the IoT endpoint's address
 * is still an https URL).
 */
function deployTimeValue(value: unknown, topics: ReadonlySet<string> = new Set()): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (join !== undefined) return join[1].map((part) => deployTimeValue(part, topics)).join(join[0]);
  // A topic's Ref is its ARN, which the notifier's configuration checks the shape of.
  const ref = (value as { Ref?: string } | null)?.Ref;
  if (ref !== undefined && topics.has(ref)) return `arn:aws:sns:eu-west-1:123456789012:${ref}`;
  return 'resolved-at-deploy';
}

/** The Lambdas CDK adds to serve custom resources at deploy time (ServiceToken), not service functions. */
function customResourceProviders(resources: Record<string, { Type: string; Properties?: { ServiceToken?: unknown } }>): Set<string> {
  return new Set(
    Object.values(resources)
      .filter((resource) => resource.Type.startsWith('Custom::'))
      .map((resource) => (resource.Properties?.ServiceToken as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0])
      .filter((id): id is string => id !== undefined),
  );
}

const manifest: readonly Manifested[] = functionDefinitions.map(({ name, needs }) => ({
  name,
  tableAccess: needs.table ?? 'none',
  usesPickupCodeSecret: needs.pickupCodeSecret === true,
}));

describe('functions: one construct, least privilege', () => {
  let synthesized: SynthesizedApp;
  let byName: Map<string, LockerFunction>;

  beforeAll(() => {
    synthesized = synthesizeApp();
    byName = new Map(synthesized.stateless.functions.byName);
  });

  function functionResource(name: string): FunctionResource {
    const fn = byName.get(name);
    if (fn === undefined) throw new Error(`no function ${name}`);
    const resource = synthesized.statelessTemplate.toJSON().Resources[logicalId(fn.function)] as FunctionResource | undefined;
    if (resource === undefined) throw new Error(`no resource for ${name}`);
    return resource;
  }

  /** Every statement of the inline policies attached to a function's own role. */
  function roleStatements(name: string): Statement[] {
    const fn = byName.get(name);
    if (fn === undefined) throw new Error(`no function ${name}`);
    const roleId = logicalId(fn.role);
    const policies = Object.values(synthesized.statelessTemplate.findResources('AWS::IAM::Policy')) as {
      Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } };
    }[];
    return policies
      .filter((policy) => policy.Properties.Roles.some((role) => role.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
  }

  function actions(statements: Statement[], service: string): string[] {
    return statements
      .flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]))
      .filter((action) => action.startsWith(`${service}:`))
      .sort();
  }

  /** Every Lambda of the template except the deploy-time providers of custom resources. */
  function serviceFunctionResources(): FunctionResource[] {
    const providers = customResourceProviders(synthesized.statelessTemplate.toJSON().Resources);
    return Object.entries(synthesized.statelessTemplate.findResources('AWS::Lambda::Function'))
      .filter(([id]) => !providers.has(id))
      .map(([, resource]) => resource as FunctionResource);
  }

  it('creates one function per manifest entry', () => {
    // Prepare / Act
    const count = serviceFunctionResources().length;

    // Assess
    expect(count).toBe(manifest.length);
    expect([...byName.keys()].sort()).toEqual(manifest.map((entry) => entry.name).sort());
  });

  it('runs every function on Node.js 22 and arm64', () => {
    for (const entry of manifest) {
      const { Properties } = functionResource(entry.name);
      expect({ name: entry.name, runtime: Properties.Runtime, architectures: Properties.Architectures }).toEqual({
        name: entry.name,
        runtime: 'nodejs22.x',
        architectures: ['arm64'],
      });
    }
  });

  it('traces every function with X-Ray', () => {
    for (const entry of manifest) {
      expect([entry.name, functionResource(entry.name).Properties.TracingConfig?.Mode]).toEqual([entry.name, 'Active']);
    }
  });

  it('logs every function to its own log group with a retention', () => {
    // Prepare
    const logGroups = synthesized.statelessTemplate.findResources('AWS::Logs::LogGroup') as Record<
      string,
      { Properties: { RetentionInDays?: number } }
    >;

    for (const entry of manifest) {
      // Act
      const fn = byName.get(entry.name);
      const groupId = fn === undefined ? '' : logicalId(fn.logGroup);

      // Assess
      expect(functionResource(entry.name).Properties.LoggingConfig?.LogGroup).toEqual({ Ref: groupId });
      expect(logGroups[groupId]?.Properties.RetentionInDays).toBe(14);
    }
  });

  it('sets the service name, log level and source maps for every function', () => {
    for (const entry of manifest) {
      expect(functionResource(entry.name).Properties.Environment?.Variables).toEqual(
        expect.objectContaining({
          POWERTOOLS_SERVICE_NAME: 'locker-service',
          LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        }),
      );
    }
  });

  it('tells every function which origins may call it, so its responses carry the CORS header', () => {
    for (const entry of manifest) {
      expect(functionResource(entry.name).Properties.Environment?.Variables).toEqual(
        expect.objectContaining({ CORS_ALLOWED_ORIGINS: '*' }),
      );
    }
  });

  it("gives every function of the template an environment that configures every port it builds", () => {
    // Prepare: every Lambda the template deploys, named by the metadata its construct records.
    const resources = serviceFunctionResources();
    const topics = new Set(Object.keys(synthesized.statelessTemplate.findResources('AWS::SNS::Topic')));
    const problems: string[] = [];

    for (const resource of resources) {
      const name = resource.Metadata?.['locker:function'];
      const definition = functionDefinitions.find((candidate) => candidate.name === name);
      if (definition === undefined) {
        problems.push(`a function with no manifest entry: ${String(name)}`);
        continue;
      }
      // Refs and imports become their deployed values only at deploy time; that they are set is what counts.
      const environment = Object.fromEntries(
        Object.entries(resource.Properties.Environment?.Variables ?? {}).map(([key, value]) => [key, deployTimeValue(value, topics)]),
      );

      // Act
      try {
        checkConfiguration(definition.needs, environment);
      } catch (error) {
        problems.push(`${definition.name}: ${(error as Error).message}`);
      }
    }

    // Assess
    expect(resources).toHaveLength(functionDefinitions.length);
    expect(problems).toEqual([]);
  });

  it('gives TABLE_NAME exactly to the functions that use the table', () => {
    for (const entry of manifest) {
      const variables = functionResource(entry.name).Properties.Environment?.Variables ?? {};
      expect([entry.name, 'TABLE_NAME' in variables]).toEqual([entry.name, entry.tableAccess !== 'none']);
    }
  });

  it('gives PICKUP_CODE_SECRET_ARN exactly to the functions that use the pickup-code secret', () => {
    for (const entry of manifest) {
      const variables = functionResource(entry.name).Properties.Environment?.Variables ?? {};
      expect([entry.name, 'PICKUP_CODE_SECRET_ARN' in variables]).toEqual([entry.name, entry.usesPickupCodeSecret]);
    }
  });

  it('grants each function exactly the DynamoDB actions of its table access', () => {
    for (const entry of manifest) {
      // Prepare
      // A stream function's event source mapping reads the table's stream with the function's role.
      const streamReads = streamFunctions.some((fn) => fn.name === entry.name)
        ? ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams']
        : [];
      const expected =
        entry.tableAccess === 'none' ? [] : [...tableActions[entry.tableAccess], ...indexActions, ...streamReads].sort();

      // Act
      const granted = actions(roleStatements(entry.name), 'dynamodb');

      // Assess
      expect([entry.name, granted]).toEqual([entry.name, expected]);
    }
  });

  it('grants writes only to read-write functions', () => {
    for (const entry of manifest.filter((candidate) => candidate.tableAccess === 'read')) {
      expect([entry.name, actions(roleStatements(entry.name), 'dynamodb')]).toEqual([
        entry.name,
        ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Query'],
      ]);
    }
  });

  it('allows index queries on the named indexes only, never on index/*', () => {
    for (const entry of manifest.filter((candidate) => candidate.tableAccess !== 'none')) {
      // Act
      const indexStatements = roleStatements(entry.name).filter((statement) =>
        JSON.stringify(statement.Resource ?? null).includes('/index/'),
      );
      const resources = JSON.stringify(indexStatements.map((statement) => statement.Resource));

      // Assess
      expect(indexStatements.map((statement) => statement.Action)).toEqual(['dynamodb:Query']);
      expect(resources).not.toContain('/index/*');
      for (const index of indexList) expect(resources).toContain(`/index/${index.indexName}`);
    }
  });

  it('lets exactly the functions that use the pickup-code secret read it, and nothing more', () => {
    for (const entry of manifest) {
      const granted = actions(roleStatements(entry.name), 'secretsmanager');
      expect([entry.name, granted]).toEqual([
        entry.name,
        entry.usesPickupCodeSecret ? ['secretsmanager:GetSecretValue'] : [],
      ]);
    }
  });

  it('uses no wildcard action in any policy of either stack', () => {
    // Prepare
    const templates = [synthesized.statefulTemplate, synthesized.statelessTemplate];

    // Act
    const allActions = templates.flatMap((template) =>
      (Object.values(template.findResources('AWS::IAM::Policy')) as {
        Properties: { PolicyDocument: { Statement: Statement[] } };
      }[]).flatMap((policy) =>
        policy.Properties.PolicyDocument.Statement.flatMap((statement) =>
          Array.isArray(statement.Action) ? statement.Action : [statement.Action],
        ),
      ),
    );

    // Assess
    expect(allActions.length).toBeGreaterThan(0);
    expect(allActions.filter((action) => action.includes('*'))).toEqual([]);
  });

  it('attaches no managed policy to any function role', () => {
    for (const fn of byName.values()) {
      const role = synthesized.statelessTemplate.toJSON().Resources[logicalId(fn.role)] as {
        Properties: { ManagedPolicyArns?: unknown[] };
      };
      expect([fn.name, role.Properties.ManagedPolicyArns ?? []]).toEqual([fn.name, []]);
    }
  });
});
