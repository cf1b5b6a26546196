import { fileURLToPath } from 'node:url';
import { entryPath, type FunctionDefinition } from '#shared/manifest';

/** The repository root: NodejsFunction entries and the lock file are resolved from it. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The absolute path of a function's TypeScript entry point. */
export function entryFor(definition: FunctionDefinition): string {
  return fileURLToPath(new URL(`../../${entryPath(definition)}`, import.meta.url));
}

/**
 * The esbuild settings every function is bundled with. The function construct maps them onto
 * NodejsFunction and bench/bundle-size.ts onto esbuild's API, so the benchmark measures exactly
 * what is deployed.
 *
 * - ESM because middy 6 ships ESM only; the banner restores `require` for the few CommonJS
 *   dependencies that call it at run time.
 * - The AWS SDK v3 is bundled rather than taken from the runtime, so the version that was tested
 *   is the version that runs, and tree-shaking keeps it small.
 * - `module` before `main` so esbuild picks the ESM build of dual packages (smaller, tree-shakable).
 */
export const bundlingOptions = {
  target: 'node22',
  format: 'esm',
  minify: true,
  sourceMap: true,
  // Stack traces are mapped with --enable-source-maps; the sources themselves add size and are in git.
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: "import{createRequire}from'node:module';const require=createRequire(import.meta.url);",
  externalModules: [] as string[],
} as const;
