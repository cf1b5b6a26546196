import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { parseFilterPattern, type StartingPosition, type StreamTrigger } from './dynamodb-streams.ts';

/**
 * Reads a synthesized cloud assembly (`cdk.out`) the way CloudFormation would deploy it, for
 * `npm run start:assembly`: every Lambda with its bundle and exactly its environment (intrinsics
 * resolved against local resources), the REST API's routes, authorizers and gateway responses,
 * the EventBridge schedules, the IoT topic rules and the table. Nothing here knows the app's
 * source: only the templates.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Resource {
  readonly Type: string;
  readonly Properties?: JsonObject;
  readonly Metadata?: JsonObject;
}

interface Template {
  readonly Resources?: Record<string, Resource>;
  readonly Outputs?: Record<string, { Value: Json; Export?: { Name: Json } }>;
}

interface StackTemplate {
  readonly stackName: string;
  readonly template: Template;
}

/** What the local stack gives the resources a template refers to. */
export interface LocalResources {
  readonly region: string;
  readonly accountId: string;
  readonly tableName: string;
  /**
   * The local IoT Data Plane's URL: what a function's IOT_DATA_ENDPOINT becomes where the template
   * builds it from the account's IoT data endpoint (a deploy-time `iot:DescribeEndpoint`).
   */
  readonly iotDataEndpoint: string;
  /** The ARN a topic of that name has on the local SNS: a template's `AWS::SNS::Topic` becomes the local topic of its `TopicName`. */
  readonly topicArn?: (name: string) => string;
}

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
  readonly streamTriggers: readonly StreamTrigger[];
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
  const streamTriggers: StreamTrigger[] = [];
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

/**
 * An enabled mapping on a DynamoDB stream (the only kind the service deploys), with CloudFormation's
 * defaults where the template leaves a setting out. Filters are checked when the assembly is read:
 * one the local trigger cannot play stops `start:assembly` rather than selecting other records.
 */
function streamTrigger(properties: JsonObject, functionNames: ReadonlyMap<string, string>, eventSourceArn: string): StreamTrigger | undefined {
  if (properties.Enabled === false || !/^arn:aws:dynamodb:[^:]*:[^:]*:table\/[^/]+\/stream\//.test(eventSourceArn)) return undefined;
  const functionName = referencedFunction(properties.FunctionName, functionNames);
  if (functionName === undefined) throw new Error(`An event source mapping on ${eventSourceArn} invokes no Lambda function of the assembly`);
  const filters = ((properties.FilterCriteria as JsonObject | undefined)?.Filters ?? []) as JsonObject[];
  const retries = properties.MaximumRetryAttempts;
  return {
    functionName,
    filters: filters.map((filter) => parseFilterPattern(filter.Pattern)),
    batchSize: Number(properties.BatchSize ?? 100),
    maxBatchingWindowMs: Number(properties.MaximumBatchingWindowInSeconds ?? 0) * 1000,
    retryAttempts: retries === undefined ? -1 : Number(retries),
    bisectOnError: properties.BisectBatchOnFunctionError === true,
    reportBatchItemFailures: ((properties.FunctionResponseTypes ?? []) as Json[]).includes('ReportBatchItemFailures'),
    startingPosition: (properties.StartingPosition === 'TRIM_HORIZON' ? 'TRIM_HORIZON' : 'LATEST') satisfies StartingPosition,
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

/**
 * Whether a resource is a custom resource that reads the account's IoT data endpoint
 * (`iot:DescribeEndpoint` for `iot:Data-ATS`, as CDK's AwsCustomResource records its SDK call).
 */
function isIotDataEndpoint(resource: Resource): boolean {
  if (!resource.Type.startsWith('Custom::')) return false;
  const call = resource.Properties?.Create;
  if (typeof call !== 'string') return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(call);
  } catch {
    return false;
  }
  const { service, action, parameters } = (isObject(parsed as Json) ? parsed : {}) as JsonObject;
  return (
    typeof service === 'string' &&
    /^(@aws-sdk\/client-)?iot$/i.test(service) &&
    typeof action === 'string' &&
    /^describeEndpoint(Command)?$/i.test(action) &&
    isObject(parameters) &&
    parameters.endpointType === 'iot:Data-ATS'
  );
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

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Resolves the intrinsic functions CloudFormation would, against local resources: `Ref`,
 * `Fn::GetAtt`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::Sub`, and the references between stacks
 * (`Fn::ImportValue`, `Fn::GetStackOutput`), and the pseudo parameters. The one custom resource it
 * knows is the deploy-time read of the IoT data endpoint, answered with the local IoT endpoint. Anything it cannot resolve fails loudly: a value
 * silently left as an object would only break at run time.
 */
export class IntrinsicResolver {
  private readonly exports = new Map<string, { stack: StackTemplate; value: Json }>();

  constructor(
    private readonly stacks: readonly StackTemplate[],
    private readonly local: LocalResources,
  ) {
    for (const stack of stacks) {
      for (const output of Object.values(stack.template.Outputs ?? {})) {
        if (output.Export !== undefined) this.exports.set(String(this.resolve(stack, output.Export.Name)), { stack, value: output.Value });
      }
    }
  }

  resolve(stack: StackTemplate, value: Json): Json {
    if (Array.isArray(value)) return value.map((item) => this.resolve(stack, item));
    if (!isObject(value)) return value;
    const [key, argument] = Object.entries(value)[0] ?? [];
    if (Object.keys(value).length !== 1 || key === undefined || argument === undefined) {
      return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, this.resolve(stack, item)]));
    }
    switch (key) {
      case 'Ref':
        return this.ref(stack, String(argument));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument) ? argument.map(String) : String(argument).split('.');
        return this.getAtt(stack, logicalId ?? '', attribute ?? '');
      }
      case 'Fn::Join': {
        const [separator, items] = argument as [string, Json[]];
        if (this.isIotDataEndpointUrl(stack, separator, items)) return this.local.iotDataEndpoint;
        return (this.resolve(stack, items) as Json[]).map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, items] = argument as [Json, Json];
        return (this.resolve(stack, items) as Json[])[Number(this.resolve(stack, index))] ?? null;
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, Json];
        return String(this.resolve(stack, text)).split(separator);
      }
      case 'Fn::Sub': {
        const [text, variables] = Array.isArray(argument) ? (argument as [string, JsonObject]) : [String(argument), {}];
        return text.replace(/\$\{([^}]+)\}/g, (_match, name: string) => {
          if (Object.hasOwn(variables, name)) return String(this.resolve(stack, variables[name] as Json));
          const [logicalId, attribute] = name.split('.');
          return String(attribute === undefined ? this.ref(stack, name) : this.getAtt(stack, logicalId ?? '', attribute));
        });
      }
      case 'Fn::ImportValue': {
        const name = String(this.resolve(stack, argument));
        const exported = this.exports.get(name);
        if (exported === undefined) throw new Error(`No stack of the assembly exports ${name}`);
        return this.resolve(exported.stack, exported.value);
      }
      case 'Fn::GetStackOutput': {
        // What CDK emits for a reference to another stack of the app (a stack output read at deploy time).
        const { StackName, OutputName } = argument as { StackName: Json; OutputName: Json };
        const other = this.stacks.find((candidate) => candidate.stackName === this.resolve(stack, StackName));
        const output = other?.template.Outputs?.[String(this.resolve(stack, OutputName))];
        if (other === undefined || output === undefined) throw new Error(`No stack output ${JSON.stringify(argument)} in the assembly`);
        return this.resolve(other, output.Value);
      }
      default:
        if (key.startsWith('Fn::')) throw new Error(`start:assembly cannot resolve ${key}`);
        return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, this.resolve(stack, item)]));
    }
  }

  private ref(stack: StackTemplate, name: string): Json {
    const { region, accountId } = this.local;
    switch (name) {
      case 'AWS::Region':
        return region;
      case 'AWS::AccountId':
        return accountId;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stack.stackName;
      case 'AWS::NoValue':
        return null;
    }
    const resource = this.resource(stack, name);
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
        return this.local.tableName;
      case 'AWS::SecretsManager::Secret':
        return localSecretArn(this.local, name);
      case 'AWS::SNS::Topic':
        return this.topicArn(stack, resource, name);
      default:
        // CloudFormation's physical id; locally the logical id stands in for it.
        return name;
    }
  }

  /**
   * `https://` joined to the IoT data endpoint's address is the URL the functions call. The local
   * stand-in speaks plain HTTP on its own port, so the whole URL becomes the local one rather than
   * `https://` + a local address.
   */
  private isIotDataEndpointUrl(stack: StackTemplate, separator: string, items: Json[]): boolean {
    if (separator !== '' || items.length !== 2 || items[0] !== 'https://') return false;
    const getAtt = isObject(items[1]) ? items[1]['Fn::GetAtt'] : undefined;
    if (!Array.isArray(getAtt) || getAtt[1] !== 'endpointAddress') return false;
    const resource = stack.template.Resources?.[String(getAtt[0])];
    return resource !== undefined && isIotDataEndpoint(resource);
  }

  private getAtt(stack: StackTemplate, logicalId: string, attribute: string): Json {
    const resource = this.resource(stack, logicalId);
    if (attribute === 'endpointAddress' && isIotDataEndpoint(resource)) return new URL(this.local.iotDataEndpoint).host;
    const { region, accountId, tableName } = this.local;
    switch (`${resource.Type}.${attribute}`) {
      case 'AWS::DynamoDB::Table.Arn':
        return `arn:aws:dynamodb:${region}:${accountId}:table/${tableName}`;
      case 'AWS::DynamoDB::Table.StreamArn':
        return `arn:aws:dynamodb:${region}:${accountId}:table/${tableName}/stream/local`;
      case 'AWS::Lambda::Function.Arn':
        return `arn:aws:lambda:${region}:${accountId}:function:${logicalId}`;
      case 'AWS::SecretsManager::Secret.Id':
        return localSecretArn(this.local, logicalId);
      case 'AWS::SNS::Topic.TopicArn':
        return this.topicArn(stack, resource, logicalId);
      case 'AWS::SNS::Topic.TopicName':
        return this.topicName(stack, resource, logicalId);
      default:
        throw new Error(`start:assembly has no local value for ${resource.Type}.${attribute} (${logicalId})`);
    }
  }

  /**
   * The name a template's topic has locally: its `TopicName` (resolved: CDK may build it from the
   * stack's name), else its logical id (CloudFormation would generate one from the stack and the
   * logical id), so every topic a function publishes to exists on the local SNS.
   */
  topicName(stack: StackTemplate, resource: Resource, logicalId: string): string {
    const name = resource.Properties?.TopicName;
    return name === undefined ? logicalId : String(this.resolve(stack, name));
  }

  /** A topic's ARN (what `Ref` gives for a topic) on the local SNS. */
  private topicArn(stack: StackTemplate, resource: Resource, logicalId: string): string {
    const name = this.topicName(stack, resource, logicalId);
    return this.local.topicArn?.(name) ?? `arn:aws:sns:${this.local.region}:${this.local.accountId}:${name}`;
  }

  private resource(stack: StackTemplate, logicalId: string): Resource {
    const resource = stack.template.Resources?.[logicalId];
    if (resource === undefined) throw new Error(`${stack.stackName} has no resource or parameter ${logicalId}`);
    return resource;
  }
}

/** The ARN a secret gets locally: the shape Secrets Manager gives (name plus a six-character suffix). */
export function localSecretArn(local: Pick<LocalResources, 'region' | 'accountId'>, logicalId: string): string {
  return `arn:aws:secretsmanager:${local.region}:${local.accountId}:secret:${logicalId}-local0`;
}
