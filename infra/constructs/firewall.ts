import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { HttpFunction as RouteDefinition } from '#shared/manifest';

/** Requests per client IP per 5-minute window. */
export const rateLimits = { all: 1000, guessable: 100 } as const;

export const tooManyRequestsBody = JSON.stringify({
  error: { code: 'TOO_MANY_REQUESTS', message: 'Too many requests' },
});

/**
 * WAF sees the path as the client sent it, with the stage name in front
 * (`/dev/parcels/p-1/retrieve`), or without it behind a custom domain, so the stage segment is
 * optional and each `{param}` matches one segment.
 */
export function routePathRegex(path: string): string {
  const segments = path
    .split('/')
    .filter((segment) => segment.length > 0)
    .map((segment) => (/^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return `^(/[^/]+)?/${segments.join('/')}/?$`;
}

type Statement = CfnWebACL.StatementProperty;

function routeStatement(route: RouteDefinition): Statement {
  return {
    andStatement: {
      statements: [
        {
          byteMatchStatement: {
            fieldToMatch: { method: {} },
            positionalConstraint: 'EXACTLY',
            searchString: route.method,
            textTransformations: [{ priority: 0, type: 'NONE' }],
          },
        },
        {
          regexMatchStatement: {
            fieldToMatch: { uriPath: {} },
            regexString: routePathRegex(route.path),
            textTransformations: [{ priority: 0, type: 'NONE' }],
          },
        },
      ],
    },
  };
}

export interface FirewallProps {
  /** ARN of the API Gateway stage to protect. */
  readonly stageArn: string;
  /** Routes that let a caller guess (pickup codes): they get a much tighter rate rule. */
  readonly guessableRoutes: readonly RouteDefinition[];
}

/**
 * A regional WAFv2 web ACL on the API stage: a per-IP rate limit for everything, a far tighter one
 * on the pickup-code routes (an attacker needs to hit any parcel, not a given one: docs/architecture.md §5),
 * and AWS's known-bad-inputs rules. Blocks answer 429 in the service's error shape.
 */
export class Firewall extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: FirewallProps) {
    super(scope, id);
    if (props.guessableRoutes.length === 0) throw new Error('Firewall needs at least one guessable route');

    const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    const blockWith429: CfnWebACL.RuleActionProperty = {
      block: { customResponse: { responseCode: 429, customResponseBodyKey: 'tooManyRequests' } },
    };
    const statements = props.guessableRoutes.map(routeStatement);
    const [onlyStatement] = statements;
    const guessableScope: Statement =
      statements.length === 1 && onlyStatement !== undefined ? onlyStatement : { orStatement: { statements } };

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('locker-api'),
      customResponseBodies: {
        tooManyRequests: { contentType: 'APPLICATION_JSON', content: tooManyRequestsBody },
      },
      rules: [
        {
          name: 'rate-limit-guessable-routes',
          priority: 0,
          action: blockWith429,
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: rateLimits.guessable,
              evaluationWindowSec: 300,
              scopeDownStatement: guessableScope,
            },
          },
          visibilityConfig: visibility('rate-limit-guessable-routes'),
        },
        {
          name: 'rate-limit-all',
          priority: 1,
          action: blockWith429,
          statement: {
            rateBasedStatement: { aggregateKeyType: 'IP', limit: rateLimits.all, evaluationWindowSec: 300 },
          },
          visibilityConfig: visibility('rate-limit-all'),
        },
        {
          name: 'aws-known-bad-inputs',
          priority: 2,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesKnownBadInputsRuleSet' },
          },
          visibilityConfig: visibility('aws-known-bad-inputs'),
        },
      ],
    });

    new CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
