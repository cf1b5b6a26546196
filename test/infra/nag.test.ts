import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesizeApp, type SynthesizedApp } from './synth.ts';

interface ValidationReport {
  pluginReports: { pluginName?: string; violations?: { ruleName: string; severity?: string }[] }[];
}

function readReport(directory: string): ValidationReport {
  return JSON.parse(readFileSync(join(directory, 'validation-report.json'), 'utf8')) as ValidationReport;
}

describe('cdk-nag AwsSolutions checks', () => {
  let synthesized: SynthesizedApp;

  beforeAll(() => {
    // Keep synthesising past findings so the test can list them instead of failing in beforeAll.
    synthesized = synthesizeApp({ '@aws-cdk/core:failSynthOnValidationErrors': false });
  });

  it('reports no unacknowledged finding, error or warning, on either stack', () => {
    // Prepare / Act
    const report = readReport(synthesized.assembly.directory);
    const findings = report.pluginReports.flatMap((plugin) =>
      (plugin.violations ?? []).map((violation) => `${violation.severity ?? '?'} ${violation.ruleName}`),
    );

    // Assess
    expect(findings).toEqual([]);
  });

  it('reports no finding either when synthesized as `cdk synth` does with a default region and account', () => {
    // Prepare: the CLI passes the profile's account and region; ARNs then render with them in findings.
    const saved = { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] };
    process.env['CDK_DEFAULT_ACCOUNT'] = '123456789012';
    process.env['CDK_DEFAULT_REGION'] = 'eu-central-1';
    let concrete: SynthesizedApp;
    try {
      // Act
      concrete = synthesizeApp({ '@aws-cdk/core:failSynthOnValidationErrors': false });
    } finally {
      for (const [key, value] of [['CDK_DEFAULT_ACCOUNT', saved.account], ['CDK_DEFAULT_REGION', saved.region]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }

    // Assess
    const report = readReport(concrete.assembly.directory);
    expect(report.pluginReports.flatMap((plugin) => (plugin.violations ?? []).map((violation) => violation.ruleName))).toEqual([]);
    expect(concrete.stateless.region).toBe('eu-central-1');
  });

  it('lists an unacknowledged finding in the report it reads', () => {
    // Prepare: a secret without rotation and without an acknowledgement (AwsSolutions-SMG4)
    const app = new App({ context: { '@aws-cdk/core:failSynthOnValidationErrors': false } });
    new Secret(new Stack(app, 'Unacknowledged'), 'Secret');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act
    const report = readReport(app.synth().directory);

    // Assess
    expect(JSON.stringify(report.pluginReports)).toContain('AwsSolutions-SMG4');
  });

  it('fails the synth on an unacknowledged finding', () => {
    // Prepare
    const app = new App();
    new Secret(new Stack(app, 'Unacknowledged'), 'Secret');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act / Assess
    expect(() => app.synth()).toThrow(/AwsSolutions/);
  });

  it('accepts the same finding once acknowledged with a reason', () => {
    // Prepare
    const app = new App();
    const secret = new Secret(new Stack(app, 'Acknowledged'), 'Secret');
    Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: 'test: rotation handled elsewhere' });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act / Assess
    expect(() => app.synth()).not.toThrow();
  });
});
