/**
 * Two workers, each with its own data directory (as on two hosts): every Task's agent runs on the worker that prepared
 * its checkout — the run is scheduled on that worker's own queue, and the agent's files sit beside the checkout on that
 * one disk — whichever worker took the Task's other activities.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { taskWorkflowId } from '../../src/task/task-run';
import { workerHostQueue } from '../../src/task/runtime-queues';
import { taskFiles } from '../../src/host/data-dir';
import { workerHomeId } from '../../src/host/worker-identity';
import { KelosTestStack, startKelosTestStack, uniqueName } from '../harness/kelos-stack';

const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh');

let stack: KelosTestStack;
const homeB = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-second-host-'));

beforeAll(async () => {
  stack = await startKelosTestStack('task-host');
});
afterAll(async () => {
  await stack?.teardown();
  fs.rmSync(homeB, { recursive: true, force: true });
});

it('runs each Task’s agent on the worker whose disk holds its checkout', async () => {
  // No workflow cache, so each step of a Task may be taken by either worker.
  await stack.startWorker({ tuning: { maxCachedWorkflows: 0 } });
  await stack.startWorker({ home: homeB, tuning: { maxCachedWorkflows: 0 } });
  const hostOf: Record<string, string> = { [workerHostQueue(stack.taskQueue, workerHomeId(stack.home))]: stack.home, [workerHostQueue(stack.taskQueue, workerHomeId(homeB))]: homeB };

  const names = Array.from({ length: 6 }, () => uniqueName('host'));
  for (const name of names) {
    await stack.api.startTask({
      namespace: 'default',
      name,
      agentType: 'claude-code',
      prompt: 'stay on one host',
      image: IMAGE,
      credentials: { type: 'none' },
      agentConfigRefs: [],
      env: [{ name: 'AGENT_SLEEP', value: '0' }],
      labels: {},
      sourceKind: 'cli',
      spec: {},
      apiVersion: 'kelos.dev/v1alpha2',
    });
  }
  const homesUsed = new Set<string>();
  for (const name of names) {
    const handle = stack.env.client.workflow.getHandle(taskWorkflowId('default', name));
    expect((await handle.result()).phase).toBe('Succeeded');
    const events = (await handle.fetchHistory()).events ?? [];
    const runs = events.flatMap((e) => (e.activityTaskScheduledEventAttributes?.activityType?.name === 'runAgent' ? [e.activityTaskScheduledEventAttributes] : []));
    expect(runs).toHaveLength(1);
    const home = hostOf[runs[0].taskQueue?.name ?? ''];
    expect(home).toBeDefined();
    homesUsed.add(home);
    // The agent's exit code is on that disk only, beside the checkout prepared there; nothing failed on the way.
    expect(fs.readFileSync(taskFiles(home, 'default', name).exitCodeFile, 'utf8').trim()).toBe('0');
    expect(fs.existsSync(taskFiles(home === homeB ? stack.home : homeB, 'default', name).dir)).toBe(false);
    expect(events.filter((e) => e.activityTaskFailedEventAttributes)).toEqual([]);
  }
}, 180_000);
