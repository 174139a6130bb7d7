/**
 * The image tests (`npm run test:image`): docker-compose.yml validated with Compose v2, and the image built from the
 * Dockerfile running a worker against the dev server the default setup starts. scripts/docker/prepare-image-tests.sh
 * starts the Docker engine and builds the images first.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/image'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 300_000,
};
