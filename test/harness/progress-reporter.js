/**
 * Prints each test file as it starts (jest in band prints only finished files when not on a TTY), so a CI log shows
 * where a slow or stuck run is.
 */
class ProgressReporter {
  onTestStart(test) {
    process.stderr.write(`[jest] start ${require('node:path').relative(process.cwd(), test.path)} at ${new Date().toISOString()}\n`);
  }
}
module.exports = ProgressReporter;
