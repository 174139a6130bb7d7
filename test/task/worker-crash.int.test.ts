/**
 * A worker killed with SIGKILL in the middle of a Task is replaced, and the Task finishes with exactly one agent
 * run: the new worker's retried activity adopts the agent process instead of starting a second one.
 * The worker runs as a separate process (`kelos worker`, from the compiled dist/), so it can really be killed.
 * A lost host (worker, agent and disk gone) is taken over by a worker with another data directory, which prepares
 * its own checkout and runs the agent again.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { taskFiles } from '../../src/host/data-dir';
import { taskWorkflowId } from '../../src/task/task-run';
import { KelosTestStack, eventually, startKelosTestStack } from '../harness/kelos-stack';

const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh');

let stack: KelosTestStack;

beforeAll(async () => {
  stack = await startKelosTestStack('crash');
});
afterAll(async () => stack?.teardown());

function startSleepingTask(name: string, starts: string) {
  return stack.api.startTask({
    namespace: 'default',
    name,
    agentType: 'claude-code',
    prompt: 'survive a crash',
    image: IMAGE,
    credentials: { type: 'none' },
    agentConfigRefs: [],
    env: [
      { name: 'AGENT_SLEEP', value: '20' },
      { name: 'AGENT_STARTS_FILE', value: starts },
    ],
    labels: {},
    sourceKind: 'cli',
    spec: {},
    apiVersion: 'kelos.dev/v1alpha2',
  });
}

it('finishes a Task with one agent run after its worker is killed mid-run', async () => {
  const starts = path.join(stack.shared, 'agent-starts');
  const name = `crash-${Date.now().toString(36)}`;
  const first = stack.startWorkerProcess();
  await startSleepingTask(name, starts);
  await eventually(async () => (fs.existsSync(starts) ? true : undefined), 60_000, 'the agent to start');
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));

  const second = stack.startWorkerProcess();
  const status = await stack.env.client.workflow.getHandle(taskWorkflowId('default', name)).result();
  second.kill('SIGTERM');
  await new Promise((resolve) => second.once('exit', resolve));

  expect(status.phase).toBe('Succeeded');
  expect(status.results?.pr).toBe('https://github.com/acme/app/pull/7');
  expect(fs.readFileSync(starts, 'utf8').trim().split('\n')).toHaveLength(1);
  const history = await stack.env.client.workflow.getHandle(taskWorkflowId('default', name)).fetchHistory();
  const runAgentStarts = history.events?.filter((e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt && e.activityTaskStartedEventAttributes.attempt > 1);
  // The activity really was retried on the new worker (attempt > 1), and adopted the running agent.
  expect(runAgentStarts?.length).toBeGreaterThanOrEqual(1);
});

it('runs the agent again on another host when the first host is lost with its agent and disk', async () => {
  const starts = path.join(stack.shared, 'agent-starts-lost-host');
  const name = `lost-host-${Date.now().toString(36)}`;
  const first = stack.startWorkerProcess();
  await startSleepingTask(name, starts);
  await eventually(async () => (fs.existsSync(starts) ? true : undefined), 60_000, 'the agent to start');
  // The host goes away: its worker, the agent's process group, and (for the next worker) its disk.
  const [pid] = fs.readFileSync(taskFiles(stack.home, 'default', name).pidFile, 'utf8').trim().split(' ');
  first.kill('SIGKILL');
  process.kill(-Number(pid), 'SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  fs.rmSync(taskFiles(stack.home, 'default', name).dir, { recursive: true, force: true });

  const otherHome = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-other-host-'));
  stack.startWorkerProcess([], { KELOS_HOME: otherHome });
  const status = await stack.env.client.workflow.getHandle(taskWorkflowId('default', name)).result();

  expect(status.phase).toBe('Succeeded');
  // Once on each host: the lost one's run never finished.
  expect(fs.readFileSync(starts, 'utf8').trim().split('\n')).toHaveLength(2);
  expect(fs.existsSync(taskFiles(otherHome, 'default', name).agentLog)).toBe(true);
  fs.rmSync(otherHome, { recursive: true, force: true });
});
