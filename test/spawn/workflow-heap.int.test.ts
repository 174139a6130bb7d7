/**
 * The workflow threads' heap limit: set before the worker creates its threads (Node gives a worker thread the main
 * thread's limit otherwise, about 4 GiB here, and V8 then collects so lazily that 1,000 idle spawners took 1.4 GiB).
 * Observed the way the SDK's own thread sees it: a thread started after the worker was created.
 */
import * as v8 from 'node:v8';
import { Worker as Thread } from 'node:worker_threads';
import { defaultWorkflowHeapMiB } from '../../src/workers/kelos-worker';
import { KelosTestStack, startKelosTestStack } from '../harness/kelos-stack';

let stack: KelosTestStack;
beforeAll(async () => {
  stack = await startKelosTestStack('workflow-heap');
});
afterAll(async () => stack?.teardown());

function threadHeapLimitMiB(): Promise<number> {
  return new Promise((resolve, reject) => {
    const thread = new Thread("require('node:worker_threads').parentPort.postMessage(require('node:v8').getHeapStatistics().heap_size_limit)", { eval: true });
    thread.once('message', (bytes: number) => resolve(bytes / 1024 / 1024));
    thread.once('error', reject);
  });
}

// V8's limit adds the young generation's semi-spaces to the old-space size it is given.
const YOUNG_GENERATION_MIB = 64;

it('limits the workflow threads to 256 MiB plus 4 MiB per cached workflow by default, or to --workflow-heap', async () => {
  const mainLimit = v8.getHeapStatistics().heap_size_limit / 1024 / 1024;
  const { stop } = await stack.startWorker({ tuning: { maxCachedWorkflows: 40 } });
  await stop();
  const byDefault = await threadHeapLimitMiB();
  expect(defaultWorkflowHeapMiB(40)).toBe(416);
  expect(byDefault).toBeGreaterThanOrEqual(416);
  expect(byDefault).toBeLessThan(416 + YOUNG_GENERATION_MIB);
  expect(byDefault).toBeLessThan(mainLimit);

  const second = await stack.startWorker({ tuning: { maxCachedWorkflows: 40, workflowHeapMiB: 700 } });
  await second.stop();
  const configured = await threadHeapLimitMiB();
  expect(configured).toBeGreaterThanOrEqual(700);
  expect(configured).toBeLessThan(700 + YOUNG_GENERATION_MIB);
  // The main thread keeps its own limit.
  expect(v8.getHeapStatistics().heap_size_limit / 1024 / 1024).toBe(mainLimit);
});
