import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { cdkJsonContext } from '#infra/local/assembly-synth';
import { addLockerStacks, type LockerApp } from '#infra/stacks/locker-app';

export { cdkJsonContext };

export interface SynthesizedApp extends LockerApp {
  readonly app: App;
  readonly assembly: CloudAssembly;
  readonly statefulTemplate: Template;
  readonly statelessTemplate: Template;
}

/**
 * Synthesises the whole app once. By default with placeholder code instead of esbuild bundles
 * (`locker:inlineCode`): these tests assert on templates, and bundling 16 functions per test file
 * on a 2-core machine would dominate the suite. app-synth.test.ts covers the real bundling.
 */
export function synthesizeApp(context: Record<string, unknown> = {}): SynthesizedApp {
  // Synthesis is the infra suite's cost (seconds each, on 2 cores): the default app is made once per
  // worker and shared by the files that only read it (the project runs without isolation).
  if (Object.keys(context).length > 0) return synthesize(context);
  defaultApp ??= synthesize({});
  return defaultApp;
}

let defaultApp: SynthesizedApp | undefined;

function synthesize(context: Record<string, unknown>): SynthesizedApp {
  const app = new App({ context: { ...cdkJsonContext(), 'locker:inlineCode': 'true', ...context } });
  const built = addLockerStacks(app);
  const assembly = app.synth();
  return {
    ...built,
    app,
    assembly,
    statefulTemplate: Template.fromStack(built.stateful),
    statelessTemplate: Template.fromStack(built.stateless),
  };
}

/** The logical id CloudFormation knows an L2 construct's main resource by. */
export function logicalId(construct: IConstruct): string {
  const resource = construct instanceof CfnElement ? construct : construct.node.defaultChild;
  if (!(resource instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).getLogicalId(resource);
}
