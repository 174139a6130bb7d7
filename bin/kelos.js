#!/usr/bin/env node
// Entry point of the `kelos` command: runs the compiled CLI (npm ci / npm install build dist/ through `prepare`).
const path = require('node:path');
const fs = require('node:fs');
const compiled = path.join(__dirname, '..', 'dist', 'src', 'clients', 'cli', 'main.js');
if (!fs.existsSync(compiled)) {
  process.stderr.write('error: kelos is not built: run `npm run build` in ' + path.join(__dirname, '..') + '\n');
  process.exit(1);
}
// runCli exits only once stdout and stderr have drained: a listing piped into jq arrives whole.
require(compiled).runCli(process.argv);
