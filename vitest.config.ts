import { defineConfig } from 'vitest/config';

// One project per kind of test, so each gets only the setup it needs:
// integration and e2e share one DynamoDB Local started by the global setup.
const dynamoSetup = ['test/helpers/dynamodb-global-setup.ts'];

export default defineConfig({
  test: {
    // CI also writes a machine-readable report, from which .ci/run prints the plain totals line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.local/vitest-report.json' }]] : ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: dynamoSetup, testTimeout: 30_000, hookTimeout: 60_000 } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: dynamoSetup, testTimeout: 30_000, hookTimeout: 60_000 } },
      // The same end-to-end suite against `start:assembly`: the synthesized bundles, each function in
      // its own workers with only its CloudFormation environment.
      {
        extends: true,
        test: {
          name: 'e2e-assembly',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: [...dynamoSetup, 'test/helpers/assembly-global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      // Property-based requests of every kind against the local stack from sources: run once, not
      // again in e2e-assembly, with a fixed seed so a failure is reproducible (test/fuzz/support.ts).
      { extends: true, test: { name: 'fuzz', include: ['test/fuzz/**/*.test.ts'], globalSetup: dynamoSetup, testTimeout: 180_000, hookTimeout: 60_000 } },
      { extends: true, test: { name: 'local', include: ['test/local/**/*.test.ts'], testTimeout: 20_000 } },
      { extends: true, test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 180_000 } },
    ],
  },
});
