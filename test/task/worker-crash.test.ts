/**
 * A worker killed with SIGKILL in the middle of a Task is replaced, and the Task finishes with exactly one agent
 * run: the new worker's retried activity adopts the agent process instead of starting a second one.
 * The worker runs as a separate process (`kelos worker`, from the compiled dist/), so it can really be killed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { taskWorkflowId } from '../../api/task/task-run';
import { KelosTestStack, eventually, startKelosTestStack } from '../harness/kelos-stack';

const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh');

let stack: KelosTestStack;

beforeAll(async () => {
  stack = await startKelosTestStack('crash');
});
afterAll(async () => stack?.teardown());

it('finishes a Task with one agent run after its worker is killed mid-run', async () => {
  const starts = path.join(stack.shared, 'agent-starts');
  const name = `crash-${Date.now().toString(36)}`;
  const first = stack.startWorkerProcess();
  await stack.api.startTask({
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
  await eventually(async () => (fs.existsSync(starts) ? true : undefined), 60_000, 'the agent to start');
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));

  stack.startWorkerProcess();
  const status = await stack.env.client.workflow.getHandle(taskWorkflowId('default', name)).result();

  expect(status.phase).toBe('Succeeded');
  expect(status.results?.pr).toBe('https://github.com/acme/app/pull/7');
  expect(fs.readFileSync(starts, 'utf8').trim().split('\n')).toHaveLength(1);
  const history = await stack.env.client.workflow.getHandle(taskWorkflowId('default', name)).fetchHistory();
  const runAgentStarts = history.events?.filter((e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt && e.activityTaskStartedEventAttributes.attempt > 1);
  // The activity really was retried on the new worker (attempt > 1), and adopted the running agent.
  expect(runAgentStarts?.length).toBeGreaterThanOrEqual(1);
});
