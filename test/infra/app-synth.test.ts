import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionDefinitions } from '#shared/manifest';
import { addLockerStacks } from '#infra/stacks/locker-app';
import { cdkJsonContext } from './synth.ts';

const optionalSdkModules = new Set(['@aws-sdk/signature-v4-crt', '@aws-sdk/signature-v4a']);

type FunctionResource = { Type: string; Properties: { Handler: string; Code: { S3Key?: unknown } }; Metadata?: Record<string, string> };

/**
 * The one test that synthesises the app as `cdk synth` does: every handler bundled by the local
 * esbuild, cdk-nag gating the synth. Slow (16 bundles), so it runs once, here.
 */
describe('the deployable app, bundled for real', () => {
  let assembly: CloudAssembly;
  let functions: FunctionResource[];

  beforeAll(() => {
    // The CLI asks for asset metadata the same way; it names each function's bundle directory.
    const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:enable-asset-metadata': true } });
    addLockerStacks(app);
    assembly = app.synth();
    const template = assembly.getStackByName('Locker-dev-Stateless').template as { Resources: Record<string, FunctionResource> };
    // The service's functions, not the providers CDK adds for custom resources (their code is CDK's).
    functions = Object.values(template.Resources).filter(
      (resource) => resource.Type === 'AWS::Lambda::Function' && resource.Metadata?.['locker:function'] !== undefined,
    );
  });

  afterAll(() => {
    // 16 bundles with source maps are ~30 MB of temp files per run.
    rmSync(assembly.directory, { recursive: true, force: true });
  });

  function assetDirectories(): string[] {
    return functions.map((fn) => {
      const assetPath = fn.Metadata?.['aws:asset:path'];
      if (assetPath === undefined) throw new Error('function without a bundled asset');
      return join(assembly.directory, assetPath);
    });
  }

  it('bundles one asset per function, as an ES module with the handler export', () => {
    // Prepare / Act
    const directories = assetDirectories();

    // Assess
    expect(functions).toHaveLength(functionDefinitions.length);
    for (const fn of functions) expect(fn.Properties.Handler).toBe('index.handler');
    for (const directory of directories) expect(existsSync(join(directory, 'index.mjs'))).toBe(true);
  });

  it('ships a source map beside each bundle, without the sources themselves', () => {
    for (const directory of assetDirectories()) {
      // Act
      const map = JSON.parse(readFileSync(join(directory, 'index.mjs.map'), 'utf8')) as { sourcesContent?: unknown };

      // Assess
      expect(map.sourcesContent).toBeUndefined();
      expect(readFileSync(join(directory, 'index.mjs'), 'utf8')).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    }
  });

  it('bundles the AWS SDK instead of importing it from the runtime', () => {
    for (const directory of assetDirectories()) {
      // Act
      const code = readFileSync(join(directory, 'index.mjs'), 'utf8');
      const unbundled = [...code.matchAll(/(?:from\s*|require\(\s*|import\(\s*)["'](@aws-sdk\/[^"']+)["']/g)].map((match) => match[1]);

      // Assess: only the SDK's optional CRT signers stay behind a guarded require, as the SDK intends
      expect(unbundled.filter((name) => !optionalSdkModules.has(name ?? ''))).toEqual([]);
    }
  });

  it('minifies every bundle', () => {
    for (const directory of assetDirectories()) {
      // Prepare / Act
      const code = readFileSync(join(directory, 'index.mjs'), 'utf8');
      const averageLineLength = code.length / code.split('\n').length;

      // Assess: esbuild's readable output averages well under 100 characters a line
      expect(averageLineLength).toBeGreaterThan(1_000);
    }
  });
});
