import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { ensureAssembly } from '#infra/local/assembly-synth';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set only in the e2e-assembly project: the synthesized cloud assembly the stack runs. */
    assemblyDirectory?: string;
  }
}

/**
 * Synthesizes the app with real bundles once per run (reused while the sources are unchanged), so
 * the end-to-end suite can run against the deployed artefacts, each function with only its own environment.
 */
export default async function setup(project: TestProject): Promise<void> {
  const directory = fileURLToPath(new URL('../../.local/test-assembly', import.meta.url));
  const { reused, synthMs } = await ensureAssembly(directory);
  console.log(reused ? `Reusing the assembly in ${directory}` : `Synthesized the assembly in ${(synthMs / 1000).toFixed(1)} s`);
  project.provide('assemblyDirectory', directory);
}
