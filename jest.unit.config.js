/**
 * The fast half of `npm test`: every test that needs no Temporal server (integration tests are named
 * `*.int.test.ts`), without the global dev server. `npm run test:unit` runs it in seconds.
 */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testPathIgnorePatterns: [...base.testPathIgnorePatterns, '\\.int\\.test\\.ts$'],
  globalSetup: undefined,
  globalTeardown: undefined,
};
