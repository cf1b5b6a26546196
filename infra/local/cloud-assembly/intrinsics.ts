/**
 * CloudFormation's side of a synthesized cloud assembly: the shape of its templates, and the values
 * its intrinsic functions take once the stacks are deployed to the local stand-ins.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Resource {
  readonly Type: string;
  readonly Properties?: JsonObject;
  readonly Metadata?: JsonObject;
}

export interface Template {
  readonly Resources?: Record<string, Resource>;
  readonly Outputs?: Record<string, { Value: Json }>;
}

export interface StackTemplate {
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

/**
 * Resolves the intrinsic functions CloudFormation would, against local resources: those the
 * synthesized templates use (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, the reference to another
 * stack's output `Fn::GetStackOutput`, and the pseudo parameters). The one custom resource it knows
 * is the deploy-time read of the IoT data endpoint, answered with the local IoT endpoint. Anything
 * else fails loudly: a value silently left as an object would only break at run time.
 */
export class IntrinsicResolver {
  constructor(
    private readonly stacks: readonly StackTemplate[],
    private readonly local: LocalResources,
  ) {}

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
      case 'Fn::Sub': {
        const [text, variables] = Array.isArray(argument) ? (argument as [string, JsonObject]) : [String(argument), {}];
        return text.replace(/\$\{([^}]+)\}/g, (_match, name: string) => {
          if (Object.hasOwn(variables, name)) return String(this.resolve(stack, variables[name] as Json));
          const [logicalId, attribute] = name.split('.');
          return String(attribute === undefined ? this.ref(stack, name) : this.getAtt(stack, logicalId ?? '', attribute));
        });
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

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
