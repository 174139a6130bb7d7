/**
 * One Temporal dev server per jest run (started in globalSetup, address in TEMPORAL_TEST_ADDRESS);
 * run in band on 2 cores. Workflow code is bundled once per test file (see test/harness/temporal.ts).
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  testTimeout: 120_000,
  forceExit: true,
  reporters: ['default', '<rootDir>/test/harness/progress-reporter.js'],
};
