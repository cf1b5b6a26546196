import { beforeAll, describe, expect, it } from 'vitest';
import { httpFunctions as routes } from '#shared/manifest';
import { kioskAttemptPolicy } from '#shared/domain/pickup-code';
import { rateLimits, routePathRegex, tooManyRequestsBody } from '#infra/constructs/firewall';
import { logicalId, synthesizeApp, type SynthesizedApp } from './synth.ts';

type Rule = {
  Name: string;
  Priority: number;
  Action?: { Block?: { CustomResponse?: { ResponseCode: number } } };
  Statement: { RateBasedStatement?: { Limit: number; AggregateKeyType: string; EvaluationWindowSec?: number; ScopeDownStatement?: unknown } };
};

describe('firewall: WAF on the API stage', () => {
  let synthesized: SynthesizedApp;
  let rules: Rule[];

  beforeAll(() => {
    synthesized = synthesizeApp();
    const [acl] = Object.values(synthesized.statelessTemplate.findResources('AWS::WAFv2::WebACL')) as {
      Properties: { Rules: Rule[] };
    }[];
    rules = acl?.Properties.Rules ?? [];
  });

  it('associates the web ACL with the API stage', () => {
    // Prepare
    const stageId = logicalId(synthesized.stateless.api.restApi.deploymentStage);
    const aclId = logicalId(synthesized.stateless.firewall.webAcl);

    // Act
    const associations = Object.values(synthesized.statelessTemplate.findResources('AWS::WAFv2::WebACLAssociation')) as {
      Properties: { ResourceArn: unknown; WebACLArn: unknown };
    }[];

    // Assess
    expect(associations).toHaveLength(1);
    expect(JSON.stringify(associations[0]?.Properties.ResourceArn)).toContain(stageId);
    expect(associations[0]?.Properties.WebACLArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
  });

  it('is a regional ACL that allows what no rule blocks', () => {
    synthesized.statelessTemplate.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
  });

  it('limits every client IP across all routes', () => {
    // Prepare / Act
    const rule = rules.find((candidate) => candidate.Name === 'rate-limit-all');

    // Assess
    expect(rule?.Statement.RateBasedStatement).toEqual({ AggregateKeyType: 'IP', Limit: rateLimits.all, EvaluationWindowSec: 300 });
  });

  it('limits the guessing routes far more tightly, scoped to exactly those routes', () => {
    // Prepare
    const guessable = routes.filter((route) => route.guessable === true);

    // Act
    const rule = rules.find((candidate) => candidate.Name === 'rate-limit-guessable-routes');
    const scope = JSON.stringify(rule?.Statement.RateBasedStatement?.ScopeDownStatement);

    // Assess
    expect(rule?.Statement.RateBasedStatement?.Limit).toBe(rateLimits.guessable);
    expect(rateLimits.guessable).toBeLessThan(rateLimits.all);
    for (const route of guessable) expect(scope).toContain(JSON.stringify(routePathRegex(route.path)));
    expect(scope.match(/RegexString/g)).toHaveLength(guessable.length);
  });

  it("holds one client IP to a fifth of a location's kiosk budget per window, so no single attacker can close a location", () => {
    // Act
    const rule = rules.find((candidate) => candidate.Name === 'rate-limit-guessable-routes')?.Statement.RateBasedStatement;

    // Assess
    expect({ perIp: rule?.Limit, seconds: rule?.EvaluationWindowSec }).toEqual({ perIp: 100, seconds: kioskAttemptPolicy.windowMinutes * 60 });
    expect(kioskAttemptPolicy.attemptsPerWindow).toBeGreaterThanOrEqual(5 * (rule?.Limit ?? Infinity));
  });

  it('evaluates the tighter rule first', () => {
    // Prepare / Act
    const priority = (name: string) => rules.find((candidate) => candidate.Name === name)?.Priority;

    // Assess
    expect(priority('rate-limit-guessable-routes')).toBeLessThan(priority('rate-limit-all') ?? -1);
  });

  it('blocks rate-limited clients with 429 in the service error shape', () => {
    // Prepare / Act
    const rateRules = rules.filter((candidate) => candidate.Statement.RateBasedStatement !== undefined);

    // Assess
    expect(rateRules).toHaveLength(2);
    for (const rule of rateRules) expect(rule.Action?.Block?.CustomResponse?.ResponseCode).toBe(429);
    expect(JSON.parse(tooManyRequestsBody)).toEqual({ error: { code: 'TOO_MANY_REQUESTS', message: expect.any(String) } });
  });

  it('matches a route path with or without the stage prefix, and nothing longer', () => {
    // Prepare
    const regex = new RegExp(routePathRegex('/parcels/{parcelId}/retrieve'));

    // Act / Assess
    expect(regex.test('/dev/parcels/p-1/retrieve')).toBe(true);
    expect(regex.test('/parcels/p-1/retrieve')).toBe(true);
    expect(regex.test('/dev/parcels/p-1/retrieve/')).toBe(true);
    expect(regex.test('/dev/parcels/p-1')).toBe(false);
    expect(regex.test('/dev/parcels/p-1/retrieve/x')).toBe(false);
    expect(regex.test('/dev/parcels/a/b/retrieve')).toBe(false);
  });
});
