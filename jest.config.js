/**
 * One Temporal dev server per jest run (started in globalSetup, address in TEMPORAL_TEST_ADDRESS);
 * run in band on 2 cores. Workflow code is bundled once per test file (see test/harness/temporal.ts).
 */
const fs = require('node:fs');
const path = require('node:path');

/** Packages published as ES modules only ("type": "module"), found by scanning node_modules once per run. */
function esmOnlyPackages() {
  const root = path.join(__dirname, 'node_modules');
  const names = [];
  const consider = (name) => {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(root, name, 'package.json'), 'utf8'));
      if (manifest.type === 'module') names.push(name);
    } catch {
      // not a package (e.g. .bin)
    }
  };
  for (const entry of fs.readdirSync(root)) {
    if (entry.startsWith('@')) for (const sub of fs.readdirSync(path.join(root, entry))) consider(`${entry}/${sub}`);
    else consider(entry);
  }
  return names.map((name) => name.replace(/[.+]/g, '\\$&'));
}

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // The Kubernetes suite and the production bed need built binaries and run on their own: npm run test:kube
  // (jest.kube.config.js), npm run test:prod (jest.prod.config.js); the image tests need Docker: npm run test:image.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/kube/', '<rootDir>/test/prod/', '<rootDir>/test/image/'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // ESM-only packages (octokit, @kubernetes/client-node) compiled to CommonJS for jest's module registry;
    // Node itself loads them natively (require(esm)) in the built CLI and worker.
    '^.+\\.m?js$': ['@swc/jest', { module: { type: 'commonjs' }, jsc: { target: 'es2022' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages().join('|')})/)`],
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  testTimeout: 120_000,
  forceExit: true,
  reporters: ['default', '<rootDir>/test/harness/progress-reporter.js'],
};
