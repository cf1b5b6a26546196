import { beforeAll, describe, expect, it } from 'vitest';
import { logicalId, synthesizeApp, type SynthesizedApp } from './synth.ts';

describe('expiry: the scheduled sweep', () => {
  let synthesized: SynthesizedApp;

  beforeAll(() => {
    synthesized = synthesizeApp();
  });

  it('runs expire-parcels every 5 minutes', () => {
    // Prepare
    const sweep = synthesized.stateless.functions.byName.get('expire-parcels');
    if (sweep === undefined) throw new Error('no expire-parcels function');

    // Act
    const rules = Object.values(synthesized.statelessTemplate.findResources('AWS::Events::Rule')) as {
      Properties: { ScheduleExpression: string; State: string; Targets: { Arn: unknown }[] };
    }[];

    // Assess
    expect(rules).toHaveLength(1);
    expect(rules[0]?.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    expect(rules[0]?.Properties.State).toBe('ENABLED');
    expect(rules[0]?.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [logicalId(sweep.function), 'Arn'] } }),
    ]);
  });

  it('lets EventBridge, and only EventBridge from that rule, invoke the sweep', () => {
    // Prepare
    const sweep = synthesized.stateless.functions.byName.get('expire-parcels');
    const rule = synthesized.stateless.schedules.rules.get('expire-parcels');
    if (sweep === undefined || rule === undefined) throw new Error('no sweep');

    // Act
    const permissions = Object.values(synthesized.statelessTemplate.findResources('AWS::Lambda::Permission')).filter(
      (permission) =>
        JSON.stringify((permission as { Properties: { FunctionName: unknown } }).Properties.FunctionName).includes(
          logicalId(sweep.function),
        ),
    );

    // Assess
    expect(permissions).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          Principal: 'events.amazonaws.com',
          SourceArn: { 'Fn::GetAtt': [logicalId(rule), 'Arn'] },
        }),
      }),
    ]);
  });
});
