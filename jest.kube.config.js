/**
 * The Kubernetes suite (`npm run test:kube`): a real kube-apiserver and etcd built by
 * scripts/kube/build-kube-binaries.sh, plus the Temporal dev server the default setup starts.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = { ...base, roots: ['<rootDir>/test/kube'], testPathIgnorePatterns: ['/node_modules/'] };
