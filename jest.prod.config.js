/**
 * The production test bed (`npm run test:prod`): a real Temporal server built by
 * scripts/prod-temporal/build-temporal-server.sh, on PostgreSQL, its frontend requiring TLS client certificates
 * (test/harness/prod). It replaces the dev server the default setup starts.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/prod'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/harness/prod/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/prod/global-teardown.ts',
  testSequencer: '<rootDir>/test/harness/prod/sequencer.js',
  reporters: [...base.reporters, '<rootDir>/test/harness/prod/failure-logs-reporter.js'],
};
