/**
 * Worker logs: JSON lines when not on a terminal (what log collectors read), with the Task's name on every line
 * its workflow and activities write; readable lines with KELOS_LOG_FORMAT=text; a bad setting stops the worker
 * naming the variable.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { taskWorkflowId } from '../../src/task/task-run';
import { subjectOf } from '../../src/host/logging';
import { packageRoot } from '../../src/host/package-root';
import { KelosTestStack, startKelosTestStack, uniqueName } from '../harness/kelos-stack';
import { testServerAddress } from '../harness/temporal';

const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh');
const KELOS = path.join(packageRoot(), 'bin', 'kelos.js');

let stack: KelosTestStack;
beforeAll(async () => {
  stack = await startKelosTestStack('logs');
});
afterAll(async () => stack?.teardown());

/** Runs one Task through a `kelos worker` process and returns what it wrote on stderr. */
async function workerLogOfOneTask(env: Record<string, string>): Promise<{ name: string; stderr: string }> {
  const child = spawn(process.execPath, [KELOS, '--address', testServerAddress(), '--task-queue', stack.taskQueue, 'worker'], {
    env: { ...process.env, KELOS_HOME: stack.home, KELOS_AGENT_SANDBOX_SHARE: stack.shared, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const name = uniqueName('logged');
  try {
    await stack.api.startTask({ namespace: 'default', name, agentType: 'claude-code', prompt: 'log me', image: IMAGE, credentials: { type: 'none' }, agentConfigRefs: [], env: [], labels: {}, sourceKind: 'cli', spec: {}, apiVersion: 'kelos.dev/v1alpha2' } as never);
    expect((await stack.env.client.workflow.getHandle(taskWorkflowId('default', name)).result()).phase).toBe('Succeeded');
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  return { name, stderr };
}

it('writes JSON lines with the Task named on the lines of its workflow and activities', async () => {
  const { name, stderr } = await workerLogOfOneTask({ KELOS_LOG_LEVEL: 'DEBUG' });
  const lines = stderr.split('\n').filter(Boolean);
  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  for (const entry of entries) expect(entry).toEqual(expect.objectContaining({ level: expect.stringMatching(/^(trace|debug|info|warn|error)$/), time: expect.any(String), msg: expect.any(String) }));
  const ofTask = entries.filter((e) => e.workflowId === taskWorkflowId('default', name));
  expect(ofTask.map((e) => e.msg)).toEqual(expect.arrayContaining(['Workflow started', 'Activity started']));
  for (const entry of ofTask) expect(entry.task).toBe(`default/${name}`);
}, 120_000);

it('writes readable lines with KELOS_LOG_FORMAT=text', async () => {
  const { name, stderr } = await workerLogOfOneTask({ KELOS_LOG_LEVEL: 'DEBUG', KELOS_LOG_FORMAT: 'text' });
  expect(stderr).toMatch(new RegExp(`^\\S+Z \\[DEBUG\\] task default/${name} Workflow started `, 'm'));
}, 120_000);

it('refuses a bad log setting at start, naming the variable', () => {
  const result = spawnSync(process.execPath, [KELOS, '--address', '127.0.0.1:1', 'worker'], { encoding: 'utf8', env: { ...process.env, KELOS_HOME: stack.home, KELOS_LOG_FORMAT: 'xml' }, timeout: 30_000 });
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain('invalid KELOS_LOG_FORMAT "xml": json or text');
});

it('reads the Task or spawner from kelos workflow IDs only', () => {
  expect(subjectOf('task/team-a/fix-7')).toEqual({ task: 'team-a/fix-7' });
  expect(subjectOf('spawner/default/triage')).toEqual({ spawner: 'default/triage' });
  expect(subjectOf('task-cleanup/default/x/run')).toEqual({});
  expect(subjectOf(undefined)).toEqual({});
});
