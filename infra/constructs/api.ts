import { Duration, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type Method,
  type Model,
  type RequestValidator,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HttpFunction as RouteDefinition } from '#shared/manifest';
import { errorTemplate, gatewayResponses } from '#infra/constructs/gateway-responses';
import { requestModelSchema } from '#infra/constructs/request-models';
import type { StageConfig } from '#infra/stacks/stage';

/**
 * Steady-state and burst limits per method, the same for every method. Stage throttling counts all
 * clients together, so a tighter limit on the guessing routes would be a lever for a few clients to
 * make pickups answer 429 everywhere; guessing is held per client IP by the WAF and per location by
 * the kiosk budget instead (docs/decisions.md, "Code guessing").
 */
export const throttling = {
  default: { rateLimit: 50, burstLimit: 100 },
} as const;

export interface ApiProps {
  readonly stage: StageConfig;
  readonly routes: readonly RouteDefinition[];
  /** The function serving each route, by route name. */
  readonly functions: ReadonlyMap<string, IFunction>;
  readonly userPool: IUserPool;
}

function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
}

/**
 * The public REST API, built from the route manifest: one Lambda proxy method per route, the
 * Cognito authorizer on every route that is not public, body models derived from the zod request
 * schemas, throttling, CORS, access and execution logs, and gateway responses in our error shape.
 */
export class Api extends Construct {
  readonly restApi: RestApi;
  readonly accessLogs: LogGroup;
  readonly methods: ReadonlyMap<string, Method>;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.stage.logRetention,
      removalPolicy: props.stage.removalPolicy,
    });

    this.restApi = new RestApi(this, 'RestApi', {
      description: `Parcel locker service (${props.stage.name})`,
      endpointTypes: [EndpointType.REGIONAL],
      // Execution logging needs the account-level API Gateway role.
      cloudWatchRole: true,
      failOnWarnings: true,
      deployOptions: {
        stageName: props.stage.name,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.INFO,
        // Request and response bodies carry pickup codes (docs/architecture.md §5): they are never logged.
        dataTraceEnabled: false,
        throttlingRateLimit: throttling.default.rateLimit,
        throttlingBurstLimit: throttling.default.burstLimit,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify({
            requestId: AccessLogField.contextRequestId(),
            extendedRequestId: AccessLogField.contextExtendedRequestId(),
            requestTime: AccessLogField.contextRequestTime(),
            ip: AccessLogField.contextIdentitySourceIp(),
            userAgent: AccessLogField.contextIdentityUserAgent(),
            sub: AccessLogField.contextAuthorizerClaims('sub'),
            httpMethod: AccessLogField.contextHttpMethod(),
            resourcePath: AccessLogField.contextResourcePath(),
            status: AccessLogField.contextStatus(),
            responseLength: AccessLogField.contextResponseLength(),
            responseLatency: AccessLogField.contextResponseLatency(),
            integrationLatency: AccessLogField.contextIntegrationLatency(),
            errorType: AccessLogField.contextErrorResponseType(),
            wafStatus: '$context.waf.status',
          }),
        ),
      },
      defaultCorsPreflightOptions: {
        allowOrigins: [...props.stage.allowOrigins],
        allowMethods: [...new Set(props.routes.map((route) => route.method))],
        allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
        maxAge: Duration.hours(1),
      },
    });

    const cloudWatchRole = this.restApi.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole !== undefined) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'API Gateway writes execution logs through one account-wide role; AWS maintains this policy for exactly that purpose, and an own copy would need the same log-group wildcards.',
      });
    }

    const allowOrigin = props.stage.allowOrigins.length === 1 ? props.stage.allowOrigins[0] : undefined;
    for (const response of gatewayResponses) {
      this.restApi.addGatewayResponse(`Response-${response.type}`, {
        type: ResponseType.of(response.type),
        ...(response.statusCode === undefined ? {} : { statusCode: response.statusCode }),
        // Without the CORS header a browser hides the error body from the page.
        ...(allowOrigin === undefined ? {} : { responseHeaders: { 'Access-Control-Allow-Origin': `'${allowOrigin}'` } }),
        templates: { 'application/json': errorTemplate(response.code, response.message) },
      });
    }

    const authorizer = new CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [props.userPool],
      resultsCacheTtl: Duration.minutes(5),
    });

    const validator: RequestValidator = this.restApi.addRequestValidator('Validator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });

    const methods = new Map<string, Method>();
    for (const route of props.routes) {
      const fn = props.functions.get(route.name);
      if (fn === undefined) throw new Error(`No function for route ${route.name}`);

      let model: Model | undefined;
      if (route.request.body !== undefined) {
        const modelName = `${pascalCase(route.name)}Body`;
        model = this.restApi.addModel(modelName, {
          modelName,
          contentType: 'application/json',
          schema: requestModelSchema(route.request.body, route.name),
        });
      }

      const resource = this.restApi.root.resourceForPath(route.path);
      const method = resource.addMethod(route.method, new LambdaIntegration(fn, { allowTestInvoke: false }), {
        ...(route.roles !== 'public'
          ? { authorizationType: AuthorizationType.COGNITO, authorizer }
          : { authorizationType: AuthorizationType.NONE }),
        requestValidator: validator,
        requestParameters: Object.fromEntries(
          pathParameters(route.path).map((name) => [`method.request.path.${name}`, true]),
        ),
        ...(model === undefined ? {} : { requestModels: { 'application/json': model } }),
      });
      methods.set(route.name, method);

      if (route.roles === 'public') {
        const reason = `${route.method} ${route.path} is public by design (function manifest: roles=public): a liveness probe that reads no data.`;
        Validations.of(method).acknowledge({ id: 'AwsSolutions-APIG4', reason });
        Validations.of(method).acknowledge({ id: 'AwsSolutions-COG4', reason });
      }
    }
    this.methods = methods;
  }
}
