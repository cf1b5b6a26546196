import { Aws, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnPolicy, CfnTopicRule } from 'aws-cdk-lib/aws-iot';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { iotFunctions, type IotFunction, ruleSql } from '#shared/manifest';
import type { Functions } from '#infra/constructs/functions';
import type { DoorsBinding } from '#infra/constructs/locker-function';
import type { StageConfig } from '#infra/stacks/stage';

export interface DoorsProps {
  readonly stage: StageConfig;
  /** Defaults to the manifest's IoT functions. */
  readonly rules?: readonly IotFunction[];
}

/** The rules engine's current SQL version: the one the rules are written for and the local stand-in plays. */
export const iotSqlVersion = '2016-03-23';

/** The suffixes of a named shadow's topics a locker subscribes to (it publishes `update` and `get`). */
export const lockerShadowReplies = ['update/delta', 'update/accepted', 'update/rejected', 'get/accepted', 'get/rejected'] as const;

const thingNameVariable = '${iot:Connection.Thing.ThingName}';

/**
 * The lockers' doors on AWS IoT Core (docs/architecture.md §6): the account's data endpoint for the functions
 * that command door shadows, the topic rules that hand shadow documents and lifecycle events to
 * their functions, and the IoT policy a locker's certificate gets.
 *
 * The functions need the endpoint before the rules can target them, so the rules are added once the
 * functions exist: `new Doors(…)`, then `new Functions(…, { doors })`, then `doors.addRules(functions)`.
 */
export class Doors extends Construct implements DoorsBinding {
  readonly dataEndpoint: string;
  /** The policy `npm run locker:provision` attaches to each locker's certificate. */
  readonly lockerPolicy: CfnPolicy;
  /** Where the rules engine writes a message it could not hand to a function. */
  readonly ruleErrors: LogGroup;
  private readonly ruleDefinitions: readonly IotFunction[];
  private routed: ReadonlyMap<string, CfnTopicRule> | undefined;

  constructor(scope: Construct, id: string, props: DoorsProps) {
    super(scope, id);
    this.ruleDefinitions = props.rules ?? iotFunctions;

    // IoT Core has one data endpoint per account and region, and CloudFormation has no attribute
    // for it: it is read at deploy time, once (the address never changes for an account).
    const endpoint = new AwsCustomResource(this, 'DataEndpoint', {
      resourceType: 'Custom::IotDataEndpoint',
      onUpdate: {
        service: 'Iot',
        action: 'describeEndpoint',
        parameters: { endpointType: 'iot:Data-ATS' },
        physicalResourceId: PhysicalResourceId.fromResponse('endpointAddress'),
      },
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({ actions: ['iot:DescribeEndpoint'], resources: ['*'] }),
      ]),
      installLatestAwsSdk: false,
      logGroup: new LogGroup(this, 'DataEndpointLogs', { retention: props.stage.logRetention, removalPolicy: props.stage.removalPolicy }),
    });
    this.dataEndpoint = `https://${endpoint.getResponseField('endpointAddress')}`;
    Validations.of(endpoint).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'iot:DescribeEndpoint supports no resource-level permissions: the service authorizes it on "*" only. It is the only action granted.',
    });
    this.acknowledgeCustomResourceProvider();

    // Error action: CloudWatch Logs rather than a queue. It fires only when the rules engine cannot
    // hand a message to Lambda at all (throttled, permission lost): a case for a person, not a
    // consumer, and the log keeps the failed message for them. The door's truth survives it: the
    // shadow keeps the reported state, a command whose opening was never heard times out
    // (door-timeouts), and a locker reports every door again when it reconnects. A function that
    // fails after Lambda took the event is Lambda's asynchronous retry, not this action.
    this.ruleErrors = new LogGroup(this, 'RuleErrors', { retention: props.stage.logRetention, removalPolicy: props.stage.removalPolicy });

    this.lockerPolicy = new CfnPolicy(this, 'LockerPolicy', { policyDocument: lockerPolicyDocument() });
    // Every locker's certificate is attached to this policy: IoT refuses to delete an attached
    // policy, and replacing it would cut every locker off. It outlives the stack; a redeployed stack
    // makes a new one for new lockers while the old ones keep theirs.
    this.lockerPolicy.applyRemovalPolicy(RemovalPolicy.RETAIN);
  }

  /** The rules, by function name, once `addRules` ran. */
  get rules(): ReadonlyMap<string, CfnTopicRule> {
    if (this.routed === undefined) throw new Error('Doors.addRules has not run: no topic rule exists yet');
    return this.routed;
  }

  /**
   * One topic rule per IoT function: its SQL derived from the manifest (the local IoT stand-in plays
   * the same string), a Lambda action, the shared error action, and an invoke permission for that
   * rule alone.
   */
  addRules(functions: Functions): ReadonlyMap<string, CfnTopicRule> {
    if (this.routed !== undefined) throw new Error('Doors.addRules runs once');
    const errorRole = new Role(this, 'RuleErrorsRole', {
      // Only on behalf of this account's rules (confused-deputy guard).
      assumedBy: new ServicePrincipal('iot.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets the IoT rules engine log the messages it could not deliver',
    });
    // What the CloudWatch Logs rule action documents it needs, on this one log group.
    this.ruleErrors.grantWrite(errorRole);
    this.ruleErrors.grant(errorRole, 'logs:DescribeLogStreams');

    const rules = new Map<string, CfnTopicRule>();
    for (const definition of this.ruleDefinitions) {
      const target = functions.get(definition.name);
      const rule = new CfnTopicRule(this, `${definition.name}-rule`, {
        topicRulePayload: {
          sql: ruleSql(definition.rule),
          awsIotSqlVersion: iotSqlVersion,
          description: definition.rule.description,
          ruleDisabled: false,
          actions: [{ lambda: { functionArn: target.function.functionArn } }],
          errorAction: { cloudwatchLogs: { logGroupName: this.ruleErrors.logGroupName, roleArn: errorRole.roleArn } },
        },
      });
      target.function.addPermission(`${definition.name}-iot-rule`, {
        principal: new ServicePrincipal('iot.amazonaws.com'),
        action: 'lambda:InvokeFunction',
        sourceArn: rule.attrArn,
        sourceAccount: Stack.of(this).account,
      });
      rules.set(definition.name, rule);
    }
    this.routed = rules;
    return rules;
  }

  /** The provider Lambda AwsCustomResource adds (one per stack), which CDK owns and we cannot shape. */
  private acknowledgeCustomResourceProvider(): void {
    const provider = Stack.of(this).node.tryFindChild(`AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
    if (provider === undefined) return;
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "CDK's AwsCustomResource provider, a deploy-time function whose role CDK builds: the managed policy lets it write its logs. Its only other permission is iot:DescribeEndpoint.",
    });
  }
}

/**
 * A locker connects only as its own thing (client id = thing name, certificate attached to that
 * thing) and uses only its own things' door shadows. `${iot:Connection.Thing.ThingName}` is
 * substituted by IoT per connection, so one policy serves every locker.
 */
export function lockerPolicyDocument(): Record<string, unknown> {
  const arn = (resource: string) => `arn:${Aws.PARTITION}:iot:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
  const doorShadow = `$aws/things/${thingNameVariable}/shadow/name/door-*`;
  // A locker with many doors subscribes with one `+` filter per reply topic: IoT allows 50
  // subscriptions per connection, so five per door would cap a locker at ten doors. In a policy `+`
  // is a literal, so this grants exactly that filter on its own thing; iot:Receive still delivers
  // door shadows' messages only.
  const anyShadowOfThing = `$aws/things/${thingNameVariable}/shadow/name/+`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: arn(`client/${thingNameVariable}`),
        Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
      },
      {
        Effect: 'Allow',
        Action: 'iot:Publish',
        Resource: [arn(`topic/${doorShadow}/update`), arn(`topic/${doorShadow}/get`)],
      },
      {
        Effect: 'Allow',
        Action: 'iot:Subscribe',
        Resource: [
          ...lockerShadowReplies.map((reply) => arn(`topicfilter/${doorShadow}/${reply}`)),
          ...lockerShadowReplies.map((reply) => arn(`topicfilter/${anyShadowOfThing}/${reply}`)),
        ],
      },
      {
        Effect: 'Allow',
        Action: 'iot:Receive',
        Resource: lockerShadowReplies.map((reply) => arn(`topic/${doorShadow}/${reply}`)),
      },
    ],
  };
}
