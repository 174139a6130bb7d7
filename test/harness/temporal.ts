/**
 * Test helpers for the shared dev server: connect to it, bundle workflow code once per test file,
 * and run a worker around a test body.
 */
import { Runtime, DefaultLogger, Worker, bundleWorkflowCode, WorkerOptions } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';

let runtimeInstalled = false;

export function testServerAddress(): string {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address) throw new Error('TEMPORAL_TEST_ADDRESS is not set: run the tests through jest (test/harness/global-setup.ts)');
  return address;
}

/** The SDK's runtime with a quiet logger, once per test file. */
export function installTestRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  runtimeInstalled = true;
}

/** Connects to the run's dev server. Call once per test file (beforeAll) and tear down in afterAll. */
export async function connectTestEnv(): Promise<TestWorkflowEnvironment> {
  installTestRuntime();
  return TestWorkflowEnvironment.createFromExistingServer({ address: testServerAddress() });
}

/**
 * Bundles workflow code once (1 s or more on 2 cores), to pass to every worker of a test file. `interceptorModules`:
 * workflow interceptors built in (tracing: src/host/tracing/tracing.ts tracingWorkflowModules).
 */
export async function bundleWorkflows(workflowsPath: string, interceptorModules?: string[]): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN'), ...(interceptorModules ? { workflowInterceptorModules: interceptorModules } : {}) });
}

let queueCounter = 0;
export function uniqueTaskQueue(prefix: string): string {
  queueCounter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${queueCounter}`;
}

/** Runs `body` while a worker with the given options polls `taskQueue`. */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  options: Omit<WorkerOptions, 'connection'>,
  body: () => Promise<T>,
): Promise<T> {
  const worker = await Worker.create({ connection: env.nativeConnection, ...options });
  return worker.runUntil(body);
}
