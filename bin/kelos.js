#!/usr/bin/env node
// Entry point of the `kelos` command: runs the compiled CLI (npm ci / npm install build dist/ through `prepare`).
const path = require('node:path');
const fs = require('node:fs');
const compiled = path.join(__dirname, '..', 'dist', 'clients', 'cli', 'main.js');
if (!fs.existsSync(compiled)) {
  process.stderr.write('error: kelos is not built: run `npm run build` in ' + path.join(__dirname, '..') + '\n');
  process.exit(1);
}
require(compiled)
  .main(process.argv)
  .then((code) => process.exit(code), () => process.exit(1));
