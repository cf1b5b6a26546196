import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { indexList } from '#shared/adapters/dynamodb/table';
import type { TableAccess } from '#shared/manifest';
import { bundlingOptions, repoRoot } from '#infra/constructs/bundling';
import { serviceName, type StageConfig } from '#infra/stacks/stage';
import { kioskAttemptPolicy } from '#shared/domain/pickup-code';
import { defaultMessagesPerDestinationHour } from '#shared/domain/verification';

export type { TableAccess };

/**
 * An ARN of this account and region as cdk-nag writes it in a finding's id: a value known at synth
 * (`cdk synth` with a default region) as itself, one known only at deploy as `<AWS::Region>` etc.
 */
export function asNagRenders(stack: Stack, service: string, resource: string): string {
  const part = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
  return `arn:${part(stack.partition, 'Partition')}:${service}:${part(stack.region, 'Region')}:${part(stack.account, 'AccountId')}:${resource}`;
}

/**
 * The DynamoDB actions behind each access level, and nothing else. There is no IAM action for
 * TransactWriteItems or TransactGetItems: a transaction is authorised item by item with PutItem,
 * UpdateItem, DeleteItem, ConditionCheckItem and GetItem. Scan and BatchWriteItem are left out on
 * purpose: no access pattern needs them (named queries on the key or an index).
 */
export const tableActions: Readonly<Record<TableAccess, readonly string[]>> = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  readWrite: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:ConditionCheckItem',
  ],
};

/** What commanding a door takes: read a door's shadow, write its `desired` section. */
export const shadowActions: readonly string[] = ['iot:GetThingShadow', 'iot:UpdateThingShadow'];

/** Indexes are only ever queried: GetItem and writes do not apply to them. */
export const indexActions: readonly string[] = ['dynamodb:Query'];

/** What a function that commands doors is given (`bindDoors`): where the shadows are. */
export interface DoorsBinding {
  /** `https://<the account's iot:Data-ATS endpoint>`, known at deploy time only. */
  readonly dataEndpoint: string;
}

/** What a function that tells people is given (`bindNotifier`). */
export interface NotifierBinding {
  readonly parcelEvents: ITopic;
  readonly operatorAlerts: ITopic;
  /** The topics' key: publishing to an encrypted topic needs it. */
  readonly topicKey: IKey;
  /** `From` of every email, a stage setting. */
  readonly emailSender: string;
  /** The SES identity the sender belongs to (its domain): the only one the functions may send as. */
  readonly emailIdentityArn: string;
}

/** The template metadata key holding a function's manifest name. */
export const functionNameMetadataKey = 'locker:function';

export interface LockerFunctionProps {
  /** The logical name from the route manifest, e.g. `store-parcel`. */
  readonly name: string;
  /** Absolute path of the TypeScript entry that exports `handler`. */
  readonly entry: string;
  readonly stage: StageConfig;
  readonly timeout?: Duration;
  readonly memorySize?: number;
  readonly description?: string;
}

function assertLocalEsbuild(): void {
  try {
    createRequire(import.meta.url).resolve('esbuild');
  } catch {
    // NodejsFunction silently falls back to Docker without a local esbuild; we never want that.
    throw new Error('esbuild is not installed locally: run `npm ci` (functions are never bundled in Docker)');
  }
}

/**
 * The one way to make a Lambda function in this app (docs/architecture.md §10): Node.js 22 on arm64, bundled by
 * the local esbuild, source maps on, X-Ray active, an explicit log group with retention and a role
 * of its own. Permissions and the environment variables that go with them are added together by
 * the `bind…()` helpers, so a function cannot receive a table name without the grant, or the other
 * way round.
 */
export class LockerFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly name: string;

  constructor(scope: Construct, id: string, props: LockerFunctionProps) {
    super(scope, id);
    this.name = props.name;

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.stage.logRetention,
      removalPolicy: props.stage.removalPolicy,
    });

    // An own role instead of AWSLambdaBasicExecutionRole: that managed policy may create log groups
    // and write to any of them; this role may write to its own log group only.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);

    const common = {
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? props.stage.httpTimeout,
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      role: this.role,
      description: props.description ?? `${serviceName} ${props.name}`,
      environment: {
        POWERTOOLS_SERVICE_NAME: serviceName,
        LOG_LEVEL: props.stage.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
        // API Gateway's CORS answers preflights; the Lambda proxy response must carry the header itself.
        CORS_ALLOWED_ORIGINS: props.stage.allowOrigins.join(','),
        ...(props.stage.allocationStrategy === undefined ? {} : { ALLOCATION_STRATEGY: props.stage.allocationStrategy }),
        ...(props.stage.defaultPickupWindowHours === undefined
          ? {}
          : { DEFAULT_PICKUP_WINDOW_HOURS: props.stage.defaultPickupWindowHours }),
        // Every function that writes a slot derives its door deadlines from these, not only the ones
        // commanding doors, so all of them get the stage's values rather than some falling back to defaults.
        DOOR_COMMAND_TIMEOUT_SECONDS: String(props.stage.doorTimings.commandTimeoutSeconds),
        DOOR_LEFT_OPEN_SECONDS: String(props.stage.doorTimings.leftOpenSeconds),
        // The functions default to the same figure; stated here so the template shows it and the
        // local assembly stack can lower it for its tests, as it does the door timings.
        KIOSK_ATTEMPTS_PER_WINDOW: String(kioskAttemptPolicy.attemptsPerWindow),
        MESSAGES_PER_DESTINATION_HOUR: String(defaultMessagesPerDestinationHour),
      },
    };

    if (props.stage.inlineCode) {
      // Tests that assert on the template, not on the bundle, skip 16 esbuild runs on a 2-core machine.
      // Every other property is identical; the bundling itself is covered by its own test.
      this.function = new LambdaFunction(this, 'Function', {
        ...common,
        handler: 'index.handler',
        code: Code.fromInline('export const handler = async () => { throw new Error("placeholder"); };'),
      });
    } else {
      assertLocalEsbuild();
      this.function = new NodejsFunction(this, 'Function', {
        ...common,
        entry: props.entry,
        handler: 'handler',
        projectRoot: repoRoot,
        depsLockFilePath: join(repoRoot, 'package-lock.json'),
        bundling: {
          forceDockerBundling: false,
          target: bundlingOptions.target,
          format: OutputFormat.ESM,
          minify: bundlingOptions.minify,
          sourceMap: bundlingOptions.sourceMap,
          sourceMapMode: SourceMapMode.DEFAULT,
          sourcesContent: bundlingOptions.sourcesContent,
          mainFields: [...bundlingOptions.mainFields],
          banner: bundlingOptions.banner,
          bundleAwsSDK: true,
          externalModules: [...bundlingOptions.externalModules],
        },
      });
    }

    // The manifest name travels with the resource, so tools reading the template (start:assembly)
    // know which function a logical id is without parsing construct paths.
    (this.function.node.defaultChild as CfnFunction).addMetadata(functionNameMetadataKey, props.name);

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime docs/architecture.md §8 fixes for the service (LTS until 2027-04, the version the bundles target and the code is tested on). Moving to Node.js 24 is a deliberate upgrade, not a lint fix.',
    });

    // The X-Ray write actions have no resource-level permissions: the service only accepts "*".
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; every other statement names its resource.',
    });
  }

  /** Sets TABLE_NAME and grants exactly the actions of `access` on the table and its indexes. */
  bindTable(table: ITable, access: TableAccess): this {
    this.function.addEnvironment('TABLE_NAME', table.tableName);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...tableActions[access]], resources: [table.tableArn] }),
    );
    if (indexList.length > 0) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: [...indexActions],
          resources: indexList.map((index) => `${table.tableArn}/index/${index.indexName}`),
        }),
      );
    }
    return this;
  }

  /** Sets PICKUP_CODE_SECRET_ARN and allows reading that one secret's value. */
  bindPickupCodeSecret(secret: ISecret): this {
    this.function.addEnvironment('PICKUP_CODE_SECRET_ARN', secret.secretArn);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
    );
    return this;
  }

  /**
   * Sets IOT_DATA_ENDPOINT and allows reading and updating device shadows. Things are created per
   * locker at run time (npm run locker:provision), so the grant names every thing of the account
   * and region rather than a list known at deploy time.
   */
  bindDoors(doors: DoorsBinding): this {
    this.function.addEnvironment('IOT_DATA_ENDPOINT', doors.dataEndpoint);
    const things = Stack.of(this).formatArn({ service: 'iot', resource: 'thing', resourceName: '*' });
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: [...shadowActions], resources: [things] }));
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${asNagRenders(Stack.of(this), 'iot', 'thing/*')}]`,
      reason:
        'Shadow reads and updates on the lockers\' things: one thing per locker, created at run time by npm run locker:provision, so no list exists at deploy time. Only the two shadow actions are granted; no thing, certificate or policy action.',
    });
    return this;
  }

  /**
   * Sets the topics' ARNs and the email sender, and allows publishing to the two topics (with their
   * key), sending email as the stage's SES identity only, and SMS.
   */
  bindNotifier(notifier: NotifierBinding): this {
    this.function.addEnvironment('PARCEL_EVENTS_TOPIC_ARN', notifier.parcelEvents.topicArn);
    this.function.addEnvironment('OPERATOR_ALERTS_TOPIC_ARN', notifier.operatorAlerts.topicArn);
    this.function.addEnvironment('EMAIL_SENDER', notifier.emailSender);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [notifier.parcelEvents.topicArn, notifier.operatorAlerts.topicArn] }),
    );
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [notifier.topicKey.keyArn] }));
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['ses:SendEmail'], resources: [notifier.emailIdentityArn] }));
    // SMS: a Publish to a PhoneNumber has no resource ARN. "Anything that is not a topic" is how
    // AWS documents granting it, so this statement cannot reach any topic of the account.
    this.role.addToPrincipalPolicy(new PolicyStatement({ sid: 'SmsToPhoneNumbersOnly', actions: ['sns:Publish'], notResources: ['arn:aws:sns:*:*:*'] }));
    return this;
  }
}
