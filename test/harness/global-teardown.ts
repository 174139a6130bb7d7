import type { RunningDevServer } from '../../src/clients/dev/temporal-dev-server';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as Record<string, unknown>).__kelosTemporalServer as RunningDevServer | undefined;
  await server?.stop();
}
