import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Synthesizes the CDK app into a cloud assembly with real esbuild bundles, as `npx cdk synth` does,
 * or reuses the one already there when nothing it is built from has changed since.
 */
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fingerprintFile = 'locker-assembly.fingerprint';

/** The feature flags and defaults of cdk.json, so a synth here is the synth `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/** What the assembly is built from: the sources of the app and its functions, and the locked dependencies. */
function sourceFingerprint(context: Record<string, unknown>): string {
  const hash = createHash('sha256');
  const visit = (path: string) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) visit(join(path, name));
    } else if (/\.(ts|mjs|js|json)$/.test(path)) {
      hash.update(relative(repoRoot, path)).update('\0').update(readFileSync(path)).update('\0');
    }
  };
  for (const entry of ['shared', 'functions', 'infra/app.ts', 'infra/stacks', 'infra/constructs', 'package-lock.json', 'cdk.json', 'tsconfig.json']) {
    const path = join(repoRoot, entry);
    if (existsSync(path)) visit(path);
  }
  hash.update(JSON.stringify(context));
  return hash.digest('hex');
}

/** The assembly's manifest and templates as they are on disk now. */
function assemblyFingerprint(directory: string): string {
  if (!existsSync(join(directory, 'manifest.json'))) return 'none';
  const hash = createHash('sha256');
  for (const name of readdirSync(directory).filter((file) => file === 'manifest.json' || file.endsWith('.template.json')).sort()) {
    hash.update(name).update('\0').update(readFileSync(join(directory, name)));
  }
  return hash.digest('hex');
}

export interface AssemblySource {
  readonly directory: string;
  readonly reused: boolean;
  readonly synthMs: number;
}

/** Builds `directory` from the app unless it already holds an assembly of the current sources. */
export async function ensureAssembly(directory = join(repoRoot, 'cdk.out'), extraContext: Record<string, unknown> = {}): Promise<AssemblySource> {
  const context = { ...cdkJsonContext(), ...extraContext, 'aws:cdk:enable-asset-metadata': true };
  const fingerprint = sourceFingerprint(context);
  const stamp = join(directory, fingerprintFile);
  // Reused only when the sources are unchanged and nothing (a `cdk synth -c …`) rewrote the templates since.
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === `${fingerprint}\n${assemblyFingerprint(directory)}`) {
    return { directory, reused: true, synthMs: 0 };
  }
  const started = performance.now();
  // Loaded only here: `npm start` never pays for the CDK.
  const [{ App }, { addLockerStacks }] = await Promise.all([import('aws-cdk-lib'), import('#infra/stacks/locker-app')]);
  const app = new App({ outdir: directory, context });
  addLockerStacks(app);
  app.synth();
  writeFileSync(stamp, `${fingerprint}\n${assemblyFingerprint(directory)}`);
  return { directory, reused: false, synthMs: performance.now() - started };
}
