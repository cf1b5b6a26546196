import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The repository's own files (tracked or new, not ignored), so a clone holds everything they cite. */
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((path) => /\.(ts|tsx|js|mjs|md)$/.test(path) && existsSync(root + path));

const read = (path: string): string => readFileSync(root + path, 'utf8');

describe('the repository explains itself', () => {
  it('cites no handbook kept outside the repository', () => {
    const outside = /\b(?:DESIGN|STYLE)\.md\b|\.\.\/shared\//;
    const offenders = files.filter((path) => path !== 'test/unit/docs/citations.test.ts' && outside.test(read(path)));
    expect(offenders).toEqual([]);
  });

  it('cites only docs that exist, and only sections that docs/architecture.md has', () => {
    const sections = new Set([...read('docs/architecture.md').matchAll(/^## (\d+)\./gm)].map((match) => match[1]));
    const missing: string[] = [];
    for (const path of files) {
      for (const [, doc, section] of read(path).matchAll(/\bdocs\/([\w-]+\.md)(?: §(\d+))?/g)) {
        if (!existsSync(`${root}docs/${doc}`)) missing.push(`${path}: docs/${doc}`);
        else if (section !== undefined && doc === 'architecture.md' && !sections.has(section)) missing.push(`${path}: docs/${doc} §${section}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
