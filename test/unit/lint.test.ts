import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The boundaries eslint.config.js declares, checked against the real configuration: a rule that
// silently never fires (a pattern that matches nothing, a resolver that finds nothing) fails here.

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = 'test/unit/lint-fixtures';

/** The rule ids lint reports for `source` as if it were the file at `filePath`. */
async function ruleIdsFor(filePath: string, source: string): Promise<(string | null)[]> {
  const [result] = await new ESLint({ cwd: repoRoot }).lintText(source, { filePath });
  return result!.messages.map(({ ruleId }) => ruleId);
}

/** The rule ids lint reports for each fixture file, which `npm run lint` itself ignores. */
async function ruleIdsOfFixtures(...names: string[]): Promise<(string | null)[][]> {
  const results = await new ESLint({ cwd: repoRoot, ignore: false }).lintFiles(names.map((name) => `${fixtures}/${name}`));
  return results.map(({ messages }) => messages.map(({ ruleId }) => ruleId));
}

describe('lint, on the domain and the use cases', { timeout: 60_000 }, () => {
  it('refuses a use case importing an adapter through a subpath import', async () => {
    // Act
    const ruleIds = await ruleIdsFor('shared/use-cases/x.ts', "import { logger } from '#shared/adapters/observability';\n\nexport const log = logger;\n");

    // Assess
    expect(ruleIds).toEqual(['no-restricted-imports']);
  });

  it('refuses a use case importing an adapter through a relative path', async () => {
    // Act
    const ruleIds = await ruleIdsFor('shared/use-cases/support/x.ts', "import { ulidIds } from '../../adapters/ids.ts';\n\nexport const ids = ulidIds;\n");

    // Assess
    expect(ruleIds).toEqual(['no-restricted-imports']);
  });

  it('refuses a domain module importing the AWS SDK', async () => {
    // Act
    const ruleIds = await ruleIdsFor('shared/domain/x.ts', "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\n\nexport const client = DynamoDBClient;\n");

    // Assess
    expect(ruleIds).toEqual(['no-restricted-imports']);
  });

  it('accepts a use case importing the domain, the ports and its siblings', async () => {
    // Act
    const ruleIds = await ruleIdsFor(
      'shared/use-cases/x.ts',
      [
        "import { ValidationError } from '#shared/domain/errors';",
        "import type { Logger } from '#shared/ports';",
        "import { auditEvent } from './deps.ts';",
        '',
        'export const used = [ValidationError, auditEvent];',
        'export type UsedLogger = Logger;',
        '',
      ].join('\n'),
    );

    // Assess
    expect(ruleIds).toEqual([]);
  });

  it('accepts an adapter importing another adapter', async () => {
    // Act
    const ruleIds = await ruleIdsFor('shared/adapters/x.ts', "import { logger } from '#shared/adapters/observability';\n\nexport const log = logger;\n");

    // Assess
    expect(ruleIds).toEqual([]);
  });
});

describe('lint, on import cycles', { timeout: 60_000 }, () => {
  it('refuses both modules of a cycle, whether they import each other by subpath or by relative path', async () => {
    // Act
    const ruleIds = await ruleIdsOfFixtures('a.ts', 'b.ts');

    // Assess
    expect(ruleIds).toEqual([['import-x/no-cycle'], ['import-x/no-cycle']]);
  });

  it('accepts a module that imports one of a cycle without being part of it', async () => {
    // Act
    const ruleIds = await ruleIdsOfFixtures('c.ts');

    // Assess
    expect(ruleIds).toEqual([[]]);
  });
});
