#!/usr/bin/env node
// The built-in local entrypoint (the /kelos_entrypoint.sh contract for Tasks without an `image`): runs the
// compiled src/agent-entrypoint/entrypoint.js, which `npm run build` writes to dist/.
const path = require('node:path');
const fs = require('node:fs');
const compiled = path.join(__dirname, '..', 'dist', 'src', 'agent-entrypoint', 'entrypoint.js');
if (!fs.existsSync(compiled)) {
  process.stderr.write('kelos-entrypoint: not built: run `npm run build` in ' + path.join(__dirname, '..') + '\n');
  process.exit(1);
}
require(compiled)
  .main()
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write('kelos-entrypoint: ' + ((err && err.message) || String(err)) + '\n');
      process.exitCode = 1;
    },
  );
