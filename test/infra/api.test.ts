import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { httpFunctions as routes } from '#shared/manifest';
import { requestBodies } from '#shared/http/schemas';
import { throttling } from '#infra/constructs/api';
import { errorTemplate, gatewayResponses } from '#infra/constructs/gateway-responses';
import { logicalId, synthesizeApp, type SynthesizedApp } from './synth.ts';

type MethodResource = {
  Properties: {
    HttpMethod: string;
    AuthorizationType: string;
    AuthorizerId?: unknown;
    RequestValidatorId?: unknown;
    RequestModels?: Record<string, unknown>;
    RequestParameters?: Record<string, boolean>;
  };
};

describe('api: the REST API built from the route manifest', () => {
  let synthesized: SynthesizedApp;

  beforeAll(() => {
    synthesized = synthesizeApp();
  });

  function method(name: string): MethodResource {
    const construct = synthesized.stateless.api.methods.get(name);
    if (construct === undefined) throw new Error(`no method for ${name}`);
    return synthesized.statelessTemplate.toJSON().Resources[logicalId(construct)] as MethodResource;
  }

  it('has one method per route besides the CORS preflights', () => {
    // Prepare / Act
    const methods = Object.values(synthesized.statelessTemplate.findResources('AWS::ApiGateway::Method')) as MethodResource[];

    // Assess
    expect(methods.filter((candidate) => candidate.Properties.HttpMethod !== 'OPTIONS')).toHaveLength(routes.length);
  });

  it('puts the Cognito authorizer on every method but /health', () => {
    // Prepare
    const authorizers = Object.keys(synthesized.statelessTemplate.findResources('AWS::ApiGateway::Authorizer'));
    synthesized.statelessTemplate.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'COGNITO_USER_POOLS' });

    for (const route of routes.filter((candidate) => candidate.path !== '/health')) {
      // Act
      const { Properties } = method(route.name);

      // Assess
      expect([route.name, Properties.AuthorizationType, Properties.AuthorizerId]).toEqual([
        route.name,
        'COGNITO_USER_POOLS',
        { Ref: authorizers[0] },
      ]);
    }
    expect(authorizers).toHaveLength(1);
  });

  it('leaves /health open', () => {
    expect(method('health').Properties.AuthorizationType).toBe('NONE');
  });

  it('requires no authorization only on /health and the CORS preflights', () => {
    // Prepare / Act
    const open = (Object.values(synthesized.statelessTemplate.findResources('AWS::ApiGateway::Method')) as MethodResource[])
      .filter((candidate) => candidate.Properties.AuthorizationType === 'NONE')
      .map((candidate) => candidate.Properties.HttpMethod);

    // Assess
    expect(open.filter((httpMethod) => httpMethod !== 'OPTIONS')).toEqual(['GET']);
  });

  it('validates the body of every route that has a request schema against a model', () => {
    for (const name of Object.keys(requestBodies)) {
      const { Properties } = method(name);
      expect([name, Properties.RequestModels?.['application/json'], Properties.RequestValidatorId]).toEqual([
        name,
        expect.objectContaining({ Ref: expect.any(String) }),
        expect.objectContaining({ Ref: expect.any(String) }),
      ]);
    }
  });

  it('turns the zod schema into a draft-4 model API Gateway accepts', () => {
    synthesized.statelessTemplate.hasResourceProperties('AWS::ApiGateway::Model', {
      Name: 'RetrieveParcelBody',
      ContentType: 'application/json',
      Schema: {
        $schema: 'http://json-schema.org/draft-04/schema#',
        type: 'object',
        properties: { pickupCode: { type: 'string', pattern: '^(\\d{8}|\\d{10})$' } },
        required: ['pickupCode'],
        additionalProperties: false,
      },
    });
  });

  it('requires the path parameters of every route', () => {
    expect(method('update-slot').Properties.RequestParameters).toEqual({
      'method.request.path.locationId': true,
      'method.request.path.lockerId': true,
      'method.request.path.slotId': true,
    });
  });

  it('validates both bodies and parameters', () => {
    synthesized.statelessTemplate.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
  });

  it('throttles every method alike, with no tighter stage limit on the guessing routes that all clients would share', () => {
    // Prepare
    const [stage] = Object.values(synthesized.statelessTemplate.findResources('AWS::ApiGateway::Stage')) as {
      Properties: { MethodSettings: { HttpMethod: string; ResourcePath: string; ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }[] };
    }[];

    // Act
    const throttled = (stage?.Properties.MethodSettings ?? [])
      .filter((setting) => setting.ThrottlingRateLimit !== undefined || setting.ThrottlingBurstLimit !== undefined)
      .map(({ HttpMethod, ResourcePath, ThrottlingRateLimit, ThrottlingBurstLimit }) => ({ HttpMethod, ResourcePath, ThrottlingRateLimit, ThrottlingBurstLimit }));

    // Assess
    expect(throttled).toEqual([
      { HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: throttling.default.rateLimit, ThrottlingBurstLimit: throttling.default.burstLimit },
    ]);
  });

  it('logs execution at INFO without request or response bodies', () => {
    synthesized.statelessTemplate.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      MethodSettings: Match.arrayWith([
        Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', LoggingLevel: 'INFO', DataTraceEnabled: false }),
      ]),
    });
  });

  it('writes JSON access logs to its own log group', () => {
    // Prepare / Act
    const [stage] = Object.values(synthesized.statelessTemplate.findResources('AWS::ApiGateway::Stage')) as {
      Properties: { AccessLogSetting: { DestinationArn: unknown; Format: string } };
    }[];
    const setting = stage?.Properties.AccessLogSetting;

    // Assess
    expect(JSON.stringify(setting?.DestinationArn)).toContain(logicalId(synthesized.stateless.api.accessLogs));
    expect(JSON.parse(setting?.Format ?? '')).toEqual(
      expect.objectContaining({ requestId: '$context.requestId', status: '$context.status', wafStatus: '$context.waf.status' }),
    );
  });

  it('answers CORS preflights for the methods the routes use', () => {
    synthesized.statelessTemplate.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'OPTIONS',
      Integration: Match.objectLike({
        IntegrationResponses: Match.arrayWith([
          Match.objectLike({
            ResponseParameters: Match.objectLike({
              'method.response.header.Access-Control-Allow-Methods': Match.stringLikeRegexp('POST'),
              'method.response.header.Access-Control-Allow-Headers': Match.stringLikeRegexp('Authorization'),
            }),
          }),
        ]),
      }),
    });
  });

  it.each([
    ['UNAUTHORIZED', '401', 'UNAUTHORIZED'],
    ['ACCESS_DENIED', '403', 'FORBIDDEN'],
    ['MISSING_AUTHENTICATION_TOKEN', '404', 'NOT_FOUND'],
    ['BAD_REQUEST_BODY', '400', 'VALIDATION_ERROR'],
    ['BAD_REQUEST_PARAMETERS', '400', 'VALIDATION_ERROR'],
    ['THROTTLED', '429', 'TOO_MANY_REQUESTS'],
    ['REQUEST_TOO_LARGE', '413', 'REQUEST_TOO_LARGE'],
  ])('answers %s with %s and the error code %s', (type, statusCode, code) => {
    synthesized.statelessTemplate.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: type,
      StatusCode: statusCode,
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp(`^\\{"error":\\{"code":"${code}","message":`) },
    });
  });

  it('answers any other 5XX with INTERNAL_ERROR and a fixed message', () => {
    synthesized.statelessTemplate.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'DEFAULT_5XX',
      ResponseTemplates: { 'application/json': '{"error":{"code":"INTERNAL_ERROR","message":"Internal error"}}' },
    });
  });

  it('renders every gateway response template as valid JSON in our error shape', () => {
    for (const response of gatewayResponses) {
      // API Gateway substitutes the already-quoted message string at run time.
      const rendered = errorTemplate(response.code, response.message).replace('$context.error.messageString', '"Unauthorized"');
      expect(JSON.parse(rendered)).toEqual({ error: { code: response.code, message: expect.any(String) } });
    }
  });

  it('outputs the API URL', () => {
    expect(Object.keys(synthesized.statelessTemplate.findOutputs('ApiUrl'))).toEqual(['ApiUrl']);
  });
});
