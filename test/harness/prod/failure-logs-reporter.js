/**
 * When a test of the production bed failed, prints the tails of the Temporal server's and PostgreSQL's logs and
 * tells the global teardown (which runs after this, in the same process) to keep the bed's files.
 */
const fs = require('node:fs');

const LINES = 80;

function tail(file) {
  if (!file || !fs.existsSync(file)) return `(${file} does not exist)\n`;
  return `--- ${file} (last ${LINES} lines)\n${fs.readFileSync(file, 'utf8').split('\n').slice(-LINES - 1).join('\n')}\n`;
}

class FailureLogsReporter {
  onRunComplete(_contexts, results) {
    const stateFile = process.env.KELOS_PROD_TEMPORAL_STATE;
    const failed = results.numFailedTests > 0 || results.numFailedTestSuites > 0 || results.numRuntimeErrorTestSuites > 0;
    if (!failed || !stateFile || !fs.existsSync(stateFile)) return;
    process.env.KELOS_PROD_TEMPORAL_FAILED = '1';
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    process.stderr.write(`\n[prod-temporal] a test failed; the bed's files stay in ${state.dir}\n${tail(state.serverLog)}${tail(state.postgres.logFile)}`);
  }
}
module.exports = FailureLogsReporter;
