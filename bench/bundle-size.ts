/**
 * Bundles every function exactly as the CDK app does (infra/constructs/bundling.ts), then reports
 * each bundle's minified size and the time a fresh Node process takes to import it: a proxy for
 * the module-loading part of a cold start. Writes its section of bench/BUNDLES.md.
 *
 *   npm run bench:bundles            # all functions
 *   npm run bench:bundles -- --runs 5
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { functionDefinitions } from '#shared/manifest';
import { bundlingOptions, entryFor, repoRoot } from '#infra/constructs/bundling';

const budget = { bytes: 300 * 1024, importMs: 150 };
const startMarker = '<!-- bundle-size:start -->';
const endMarker = '<!-- bundle-size:end -->';

interface Result {
  readonly name: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly importMs: number;
  readonly topPackages: readonly string[];
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Math.max(1, Number(values.runs));

const entries = functionDefinitions.map((definition) => ({ name: definition.name, entry: entryFor(definition) }));

/** The packages (or repo folders) contributing most bytes to a bundle. */
function topContributors(metafile: Metafile, outfile: string): string[] {
  const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith(outfile))?.[1];
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const key = match?.[1] ?? input.split('/').slice(0, 2).join('/');
    totals.set(key, (totals.get(key) ?? 0) + bytesInOutput);
  }
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(0)} KB`);
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Import time in a fresh process, so nothing is cached: what a cold Lambda pays to load the module. */
function importTime(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t));`;
  const samples: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const out = execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
      env: {
        PATH: process.env['PATH'] ?? '',
        // What a deployed function finds in its environment; config is read at import in some modules.
        AWS_REGION: 'eu-west-1',
        TABLE_NAME: 'bench',
        PICKUP_CODE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bench',
        PICKUP_CODE_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
        POWERTOOLS_SERVICE_NAME: 'locker-service',
        LOG_LEVEL: 'ERROR',
      },
      encoding: 'utf8',
    });
    samples.push(Number(out));
  }
  return median(samples);
}

async function measure(name: string, entry: string, outdir: string): Promise<Result> {
  const outfile = join(outdir, name, 'index.mjs');
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: repoRoot,
    bundle: true,
    platform: 'node',
    target: bundlingOptions.target,
    format: bundlingOptions.format,
    minify: bundlingOptions.minify,
    sourcemap: bundlingOptions.sourceMap,
    sourcesContent: bundlingOptions.sourcesContent,
    mainFields: [...bundlingOptions.mainFields],
    banner: { js: bundlingOptions.banner },
    external: [...bundlingOptions.externalModules],
    outfile,
    metafile: true,
    logLevel: 'error',
  });
  const code = readFileSync(outfile);
  return {
    name,
    bytes: statSync(outfile).size,
    gzipBytes: gzipSync(code).length,
    importMs: importTime(outfile),
    topPackages: topContributors(result.metafile, 'index.mjs'),
  };
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

function section(results: readonly Result[], missing: readonly string[]): string {
  const over = results.filter((result) => result.bytes > budget.bytes || result.importMs > budget.importMs);
  const lines = [
    startMarker,
    '## Function bundles',
    '',
    `Measured by \`npm run bench:bundles\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${runs} fresh process(es) per function (median).`,
    `Bundled with the CDK app's esbuild settings (ESM, minified, AWS SDK v3 bundled, target ${bundlingOptions.target}).`,
    `Budget: ${kb(budget.bytes)} minified and ${budget.importMs} ms to import. ${over.length === 0 ? 'All functions are within it.' : `${over.length} of ${results.length} functions are over it.`}`,
    '',
    '| function | minified | gzip | import (ms) | largest contributors |',
    '| --- | ---: | ---: | ---: | --- |',
    ...results.map(
      (result) =>
        `| ${result.name} | ${kb(result.bytes)}${result.bytes > budget.bytes ? ' ⚠' : ''} | ${kb(result.gzipBytes)} | ${result.importMs.toFixed(0)}${result.importMs > budget.importMs ? ' ⚠' : ''} | ${result.topPackages.join(', ')} |`,
    ),
    ...(missing.length === 0 ? [] : ['', `Not measured (entry missing): ${missing.join(', ')}.`]),
    '',
    'Import time is measured on this machine (x86_64, local Node), not on Lambda arm64; read it as a relative figure.',
    endMarker,
  ];
  return lines.join('\n');
}

function writeSection(text: string): void {
  const file = join(repoRoot, 'bench', 'BUNDLES.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Bundle budget\n\n';
  const start = current.indexOf(startMarker);
  const end = current.indexOf(endMarker);
  const next =
    start >= 0 && end > start
      ? `${current.slice(0, start)}${text}${current.slice(end + endMarker.length)}`
      : `${current.trimEnd()}\n\n${text}\n`;
  writeFileSync(file, next);
}

const outdir = mkdtempSync(join(tmpdir(), 'locker-bundles-'));
try {
  const results: Result[] = [];
  const missing: string[] = [];
  for (const { name, entry } of entries) {
    if (!existsSync(entry)) {
      missing.push(name);
      continue;
    }
    const result = await measure(name, entry, outdir);
    console.log(`${name.padEnd(18)} ${kb(result.bytes).padStart(10)} ${result.importMs.toFixed(0).padStart(5)} ms  ${result.topPackages.join(', ')}`);
    results.push(result);
  }
  writeSection(section(results, missing));
  console.log('wrote bench/BUNDLES.md');
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
