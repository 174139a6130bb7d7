/**
 * Stops the production test bed (whatever server runs now, after any restart in a test) and removes its directory,
 * unless a test failed or KELOS_PROD_KEEP=1: then its logs stay for reading (failure-logs-reporter.js printed
 * their tails).
 */
import { FAILED_ENV, STATE_ENV, prodTemporal } from './prod-temporal';

export default async function globalTeardown(): Promise<void> {
  if (!process.env[STATE_ENV]) return;
  const bed = prodTemporal();
  const keep = process.env[FAILED_ENV] === '1' || process.env.KELOS_PROD_KEEP === '1';
  await bed.stop(keep);
  if (keep) process.stderr.write(`[prod-temporal] kept ${bed.dir} (logs, database, certificates)\n`);
}
