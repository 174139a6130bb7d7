/**
 * Starts the production test bed once per `npm run test:prod` run and publishes it to the test files through
 * $KELOS_PROD_TEMPORAL_STATE (see prod-temporal.ts).
 */
import { STATE_ENV, startProdTemporal, sweepAbandonedBeds } from './prod-temporal';

export default async function globalSetup(): Promise<void> {
  for (const dir of await sweepAbandonedBeds()) process.stderr.write(`\n[prod-temporal] stopped and removed an abandoned bed: ${dir}\n`);
  const started = Date.now();
  const bed = await startProdTemporal();
  process.env[STATE_ENV] = bed.stateFile;
  process.stderr.write(`\n[prod-temporal] Temporal ${bed.address} (TLS, client certificates) on PostgreSQL :${bed.postgres.port}, up in ${((Date.now() - started) / 1000).toFixed(1)} s; files in ${bed.dir}\n`);
}
