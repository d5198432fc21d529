import { defineConfig } from 'vitest/config';

// One project per layer of the testing pyramid; `npm run test:<layer>` runs one, `npm test` runs them all.
const layer = (name: string, extra: Record<string, unknown> = {}) => ({
  extends: true as const,
  test: { name, include: [`test/${name}/**/*.test.ts`], ...extra },
});

export default defineConfig({
  test: {
    setupFiles: ['test/support/setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    env: { CDK_VALIDATION: 'false', POWERTOOLS_DEV: 'false', POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_REGION: 'us-east-1' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // e2e tests run whole simulated hours in real processes: a busy 2-core machine must not fail them on time.
    projects: [
      layer('unit'),
      layer('infra', { isolate: false }),
      layer('sfn'),
      layer('local'),
      layer('e2e', { testTimeout: 240_000, hookTimeout: 120_000 }),
    ],
  },
});
