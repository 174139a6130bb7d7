/**
 * Starts the one Temporal dev server of this jest run (in-memory, free port, search attributes registered)
 * and publishes its address to the test files as TEMPORAL_TEST_ADDRESS.
 * Set TEMPORAL_TEST_ADDRESS yourself to reuse a server you started.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { startDevServer } from '../../src/clients/dev/temporal-dev-server';

export default async function globalSetup(): Promise<void> {
  if (process.env.TEMPORAL_TEST_ADDRESS) return;
  const logFile = path.join(os.tmpdir(), `kelos-test-temporal-${process.pid}.log`);
  const server = await startDevServer({ headless: true, logFile, dynamicConfig: TEST_DYNAMIC_CONFIG });
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_TEST_LOG = logFile;
  (globalThis as Record<string, unknown>).__kelosTemporalServer = server;
}

/** Settings that make server-side behaviour observable within a test's time. */
const TEST_DYNAMIC_CONFIG: Record<string, unknown> = {};
