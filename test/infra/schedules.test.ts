import { beforeAll, describe, expect, it } from 'vitest';
import { scheduledFunctions } from '#shared/manifest';
import { logicalId, synthesizeApp, type SynthesizedApp } from './synth.ts';

describe('schedules: the scheduled functions', () => {
  let synthesized: SynthesizedApp;

  beforeAll(() => {
    synthesized = synthesizeApp();
  });

  it('runs every scheduled function of the manifest on its own rate rule, and nothing else', () => {
    // Prepare
    const rules = synthesized.statelessTemplate.findResources('AWS::Events::Rule') as Record<
      string,
      { Properties: { ScheduleExpression: string; State: string; Targets: { Arn: unknown }[] } }
    >;

    // Act
    const expected = scheduledFunctions.map((scheduled) => {
      const fn = synthesized.stateless.functions.get(scheduled.name);
      const rule = synthesized.stateless.schedules.rules.get(scheduled.name);
      if (rule === undefined) throw new Error(`no rule for ${scheduled.name}`);
      return {
        rule: logicalId(rule),
        expression: scheduled.everyMinutes === 1 ? 'rate(1 minute)' : `rate(${scheduled.everyMinutes} minutes)`,
        target: { 'Fn::GetAtt': [logicalId(fn.function), 'Arn'] },
      };
    });

    // Assess
    expect(Object.keys(rules).sort()).toEqual(expected.map((entry) => entry.rule).sort());
    expect(scheduledFunctions.find((scheduled) => scheduled.name === 'expire-parcels')?.everyMinutes).toBe(5);
    for (const entry of expected) {
      const rule = rules[entry.rule];
      expect(rule?.Properties.ScheduleExpression).toBe(entry.expression);
      expect(rule?.Properties.State).toBe('ENABLED');
      expect(rule?.Properties.Targets).toEqual([expect.objectContaining({ Arn: entry.target })]);
    }
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
