import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { IntrinsicResolver, isObject, localSecretArn, type Json, type JsonObject, type LocalResources, type Resource, type StackTemplate, type Template } from './intrinsics.ts';

/**
 * Reads a synthesized cloud assembly (`cdk.out`) the way CloudFormation would deploy it, for
 * `npm run start:assembly`: every Lambda with its bundle and exactly its environment (intrinsics
 * resolved against local resources), the REST API's routes, authorizers and gateway responses,
 * the EventBridge schedules, the IoT topic rules and the table. Nothing here knows the app's
 * source: only the templates.
 */

export interface AssemblyFunction {
  readonly logicalId: string;
  /** The manifest name (the resource's `locker:function` metadata), else the logical id. */
  readonly name: string;
  /** The directory holding the bundle, and the `file.export` Lambda loads from it. */
  readonly codeDirectory: string;
  readonly handler: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
}

export interface AssemblyRoute {
  readonly method: string;
  readonly path: string;
  readonly authorization: 'NONE' | 'COGNITO_USER_POOLS';
  /** Lambda proxy routes name their function; MOCK routes (CORS preflights) answer themselves. */
  readonly functionName?: string;
  readonly mock?: { readonly statusCode: number; readonly headers: Readonly<Record<string, string>> };
}

export interface AssemblyGatewayResponse {
  readonly type: string;
  readonly statusCode?: number;
  readonly template?: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface AssemblySchedule {
  readonly functionName: string;
  readonly rateMs: number;
}

/** An enabled AWS IoT topic rule with a Lambda action: the local rules engine plays its SQL. */
export interface AssemblyIotRule {
  /** The manifest name of the function the rule invokes. */
  readonly functionName: string;
  readonly sql: string;
}

/**
 * An enabled event source mapping on the table's stream, with CloudFormation's defaults where the
 * template leaves a setting out; its filter patterns as the template holds them (JSON strings),
 * checked by the local stream trigger when it starts.
 */
export interface AssemblyStreamMapping {
  readonly functionName: string;
  readonly filters: readonly string[];
  readonly batchSize: number;
  readonly maxBatchingWindowMs: number;
  /** -1: CloudFormation's default, retrying until the record expires. */
  readonly retryAttempts: number;
  readonly bisectOnError: boolean;
  readonly reportBatchItemFailures: boolean;
  readonly startingPosition: 'LATEST' | 'TRIM_HORIZON';
}

export interface Assembly {
  readonly functions: readonly AssemblyFunction[];
  readonly api: {
    readonly stage: string;
    readonly routes: readonly AssemblyRoute[];
    readonly gatewayResponses: readonly AssemblyGatewayResponse[];
  };
  readonly schedules: readonly AssemblySchedule[];
  readonly iotRules: readonly AssemblyIotRule[];
  /** The local ARN of every Secrets Manager secret the templates declare. */
  readonly secretArns: readonly string[];
  /** The event source mappings on the table's stream, for the local stream trigger. */
  readonly streamTriggers: readonly AssemblyStreamMapping[];
  /** The names of the templates' SNS topics, to create on the local SNS (see `topicName`). */
  readonly topicNames: readonly string[];
  /** CreateTable input for DynamoDB Local, from the template's table. */
  readonly table: CreateTableCommandInput & { readonly ttlAttribute?: string };
}

/** The stacks of an assembly directory, as `manifest.json` lists them. */
export function readStackTemplates(directory: string): StackTemplate[] {
  const manifestPath = join(directory, 'manifest.json');
  if (!existsSync(manifestPath)) throw new Error(`${directory} holds no cloud assembly (no manifest.json): run \`npx cdk synth\``);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
  };
  return Object.entries(manifest.artifacts ?? {})
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile !== undefined)
    .map(([id, artifact]) => ({
      stackName: artifact.properties?.stackName ?? id,
      template: JSON.parse(readFileSync(join(directory, artifact.properties!.templateFile!), 'utf8')) as Template,
    }));
}

export function readAssembly(directory: string, local: LocalResources): Assembly {
  const stacks = readStackTemplates(directory);
  const resolver = new IntrinsicResolver(stacks, local);
  const functions: AssemblyFunction[] = [];
  const functionNameByLogicalId = new Map<string, string>();
  let table: Assembly['table'] | undefined;
  const routes: AssemblyRoute[] = [];
  const gatewayResponses: AssemblyGatewayResponse[] = [];
  const schedules: AssemblySchedule[] = [];
  const iotRules: AssemblyIotRule[] = [];
  const secretArns: string[] = [];
  const streamTriggers: AssemblyStreamMapping[] = [];
  const topicNames: string[] = [];
  let stage = 'local';

  for (const stack of stacks) {
    const providers = customResourceProviders(stack.template);
    for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      // CloudFormation runs these at deploy time for custom resources; locally the resolver answers
      // for the custom resources themselves, so they never run.
      if (providers.has(logicalId)) continue;
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (typeof assetPath !== 'string') {
        throw new Error(`${logicalId} has no bundled asset: synthesize with asset metadata and without inline code`);
      }
      const name = functionName(resource, logicalId);
      const properties = resource.Properties ?? {};
      const variables = ((properties.Environment as JsonObject | undefined)?.Variables ?? {}) as JsonObject;
      functions.push({
        logicalId,
        name,
        codeDirectory: join(directory, assetPath),
        handler: String(properties.Handler ?? 'index.handler'),
        environment: Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, String(resolver.resolve(stack, value))])),
        timeoutSeconds: Number(properties.Timeout ?? 3),
        memorySize: Number(properties.MemorySize ?? 128),
      });
      functionNameByLogicalId.set(logicalId, name);
    }
  }

  for (const stack of stacks) {
    const resources = stack.template.Resources ?? {};
    for (const [logicalId, resource] of Object.entries(resources)) {
      const properties = resource.Properties ?? {};
      switch (resource.Type) {
        case 'AWS::SecretsManager::Secret':
          secretArns.push(localSecretArn(local, logicalId));
          break;
        case 'AWS::SNS::Topic':
          topicNames.push(resolver.topicName(stack, resource, logicalId));
          break;
        case 'AWS::Lambda::EventSourceMapping': {
          const trigger = streamTrigger(properties, functionNameByLogicalId, String(resolver.resolve(stack, properties.EventSourceArn ?? null)));
          if (trigger !== undefined) streamTriggers.push(trigger);
          break;
        }
        case 'AWS::DynamoDB::Table':
          if (table !== undefined) throw new Error('start:assembly serves one table; the assembly declares more');
          table = tableInput(properties, local.tableName);
          break;
        case 'AWS::ApiGateway::Method':
          routes.push(route(resources, properties, functionNameByLogicalId));
          break;
        case 'AWS::ApiGateway::GatewayResponse':
          gatewayResponses.push({
            type: String(properties.ResponseType),
            ...(properties.StatusCode === undefined ? {} : { statusCode: Number(properties.StatusCode) }),
            ...(typeof (properties.ResponseTemplates as JsonObject | undefined)?.['application/json'] === 'string'
              ? { template: (properties.ResponseTemplates as JsonObject)['application/json'] as string }
              : {}),
            headers: headerParameters(properties.ResponseParameters as JsonObject | undefined, 'gatewayresponse.header.'),
          });
          break;
        case 'AWS::ApiGateway::Stage':
          stage = String(properties.StageName ?? stage);
          break;
        case 'AWS::Events::Rule': {
          const rateMs = parseRate(properties.ScheduleExpression);
          if (rateMs === undefined || properties.State === 'DISABLED') break;
          for (const target of (properties.Targets ?? []) as JsonObject[]) {
            const targetFunction = referencedFunction(target.Arn, functionNameByLogicalId);
            if (targetFunction !== undefined) schedules.push({ functionName: targetFunction, rateMs });
          }
          break;
        }
        case 'AWS::IoT::TopicRule': {
          const payload = (properties.TopicRulePayload ?? {}) as JsonObject;
          if (payload.RuleDisabled === true) break;
          for (const action of (payload.Actions ?? []) as JsonObject[]) {
            const lambda = action.Lambda as JsonObject | undefined;
            const targetFunction = referencedFunction(lambda?.FunctionArn, functionNameByLogicalId);
            if (targetFunction !== undefined) iotRules.push({ functionName: targetFunction, sql: String(payload.Sql) });
          }
          break;
        }
      }
    }
  }
  if (table === undefined) throw new Error('The assembly declares no DynamoDB table');
  return { functions, api: { stage, routes, gatewayResponses }, schedules, iotRules, secretArns, streamTriggers, topicNames, table };
}

/** An enabled mapping on a DynamoDB stream (the only kind the service deploys). */
function streamTrigger(properties: JsonObject, functionNames: ReadonlyMap<string, string>, eventSourceArn: string): AssemblyStreamMapping | undefined {
  if (properties.Enabled === false || !/^arn:aws:dynamodb:[^:]*:[^:]*:table\/[^/]+\/stream\//.test(eventSourceArn)) return undefined;
  const functionName = referencedFunction(properties.FunctionName, functionNames);
  if (functionName === undefined) throw new Error(`An event source mapping on ${eventSourceArn} invokes no Lambda function of the assembly`);
  const filters = ((properties.FilterCriteria as JsonObject | undefined)?.Filters ?? []) as JsonObject[];
  const retries = properties.MaximumRetryAttempts;
  return {
    functionName,
    filters: filters.map((filter) => (typeof filter.Pattern === 'string' ? filter.Pattern : JSON.stringify(filter.Pattern))),
    batchSize: Number(properties.BatchSize ?? 100),
    maxBatchingWindowMs: Number(properties.MaximumBatchingWindowInSeconds ?? 0) * 1000,
    retryAttempts: retries === undefined ? -1 : Number(retries),
    bisectOnError: properties.BisectBatchOnFunctionError === true,
    reportBatchItemFailures: ((properties.FunctionResponseTypes ?? []) as Json[]).includes('ReportBatchItemFailures'),
    startingPosition: properties.StartingPosition === 'TRIM_HORIZON' ? 'TRIM_HORIZON' : 'LATEST',
  };
}

/** The Lambdas that custom resources name as their ServiceToken. */
function customResourceProviders(template: Template): Set<string> {
  const providers = new Set<string>();
  for (const resource of Object.values(template.Resources ?? {})) {
    if (!resource.Type.startsWith('Custom::') && resource.Type !== 'AWS::CloudFormation::CustomResource') continue;
    const token = resource.Properties?.ServiceToken;
    const getAtt = isObject(token) ? token['Fn::GetAtt'] : undefined;
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') providers.add(getAtt[0]);
  }
  return providers;
}

/** The manifest name the function construct records in the resource's metadata (`locker:function`). */
function functionName(resource: Resource, logicalId: string): string {
  const name = resource.Metadata?.['locker:function'];
  return typeof name === 'string' ? name : logicalId;
}

function tableInput(properties: JsonObject, tableName: string): Assembly['table'] {
  const gsis = (properties.GlobalSecondaryIndexes ?? []) as JsonObject[];
  const stream = properties.StreamSpecification as JsonObject | undefined;
  const ttl = properties.TimeToLiveSpecification as JsonObject | undefined;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: properties.AttributeDefinitions as never,
    KeySchema: properties.KeySchema as never,
    ...(gsis.length === 0
      ? {}
      : { GlobalSecondaryIndexes: gsis.map((gsi) => ({ IndexName: gsi.IndexName, KeySchema: gsi.KeySchema, Projection: gsi.Projection })) as never }),
    ...(stream?.StreamViewType === undefined
      ? {}
      : { StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType as never } }),
    ...(ttl?.Enabled === true && typeof ttl.AttributeName === 'string' ? { ttlAttribute: ttl.AttributeName } : {}),
  };
}

function route(resources: Record<string, Resource>, properties: JsonObject, functionNames: ReadonlyMap<string, string>): AssemblyRoute {
  const method = String(properties.HttpMethod);
  const path = resourcePath(resources, properties.ResourceId);
  const authorization = properties.AuthorizationType === 'COGNITO_USER_POOLS' ? 'COGNITO_USER_POOLS' : 'NONE';
  const integration = (properties.Integration ?? {}) as JsonObject;
  if (integration.Type === 'MOCK') {
    const response = ((integration.IntegrationResponses ?? []) as JsonObject[])[0] ?? {};
    return {
      method,
      path,
      authorization,
      mock: {
        statusCode: Number(response.StatusCode ?? 200),
        headers: headerParameters(response.ResponseParameters as JsonObject | undefined, 'method.response.header.'),
      },
    };
  }
  const fn = referencedFunction(integration.Uri, functionNames);
  if (fn === undefined) throw new Error(`${method} ${path} integrates with no Lambda function of the assembly`);
  return { method, path, authorization, functionName: fn };
}

/** Walks `ParentId` up to the API's root, joining the `PathPart`s. */
function resourcePath(resources: Record<string, Resource>, resourceId: Json | undefined): string {
  const parts: string[] = [];
  let current = resourceId;
  for (let depth = 0; depth < 50; depth++) {
    const ref = isObject(current) && typeof current.Ref === 'string' ? current.Ref : undefined;
    if (ref === undefined) break; // `Fn::GetAtt [RestApi, RootResourceId]`: the root.
    const resource = resources[ref];
    if (resource === undefined) throw new Error(`API resource ${ref} is not in the template`);
    parts.unshift(String(resource.Properties?.PathPart));
    current = resource.Properties?.ParentId;
  }
  return `/${parts.join('/')}`;
}

/** API Gateway wraps literal header values in single quotes: `'*'`. */
function headerParameters(parameters: JsonObject | undefined, prefix: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(parameters ?? {})) {
    if (!key.startsWith(prefix) || typeof value !== 'string') continue;
    headers[key.slice(prefix.length)] = value.replace(/^'(.*)'$/s, '$1');
  }
  return headers;
}

function referencedFunction(value: Json | undefined, functionNames: ReadonlyMap<string, string>): string | undefined {
  const found: string[] = [];
  const visit = (node: Json | undefined) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (isObject(node)) {
      const getAtt = node['Fn::GetAtt'];
      if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && functionNames.has(getAtt[0])) found.push(functionNames.get(getAtt[0])!);
      // An event source mapping names its function by `Ref` (the function's name).
      const ref = node.Ref;
      if (typeof ref === 'string' && functionNames.has(ref)) found.push(functionNames.get(ref)!);
      Object.values(node).forEach(visit);
    }
  };
  visit(value);
  return found[0];
}

function parseRate(expression: Json | undefined): number | undefined {
  const match = typeof expression === 'string' ? /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression) : null;
  if (match === null) return undefined;
  const unit = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 }[match[2] as 'minute'];
  return Number(match[1]) * unit;
}
