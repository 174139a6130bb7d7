/**
 * The README's main job, end to end through the real `kelos` binary: `kelos dev` starts the embedded stack
 * (persistent dev server + worker), `kelos run -w` runs the fake agent, `kelos get/logs` read the results, Ctrl-C
 * stops everything, and a second `kelos dev` finds the data again. Also: clear one-line errors.
 */
import { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../src/clients/dev/temporal-dev-server';
import { eventually } from '../harness/kelos-stack';
import { runKelos, startKelosDev, stopKelosDev } from '../harness/kelos-cli';

let home: string;
let port: number;
let uiPort: number;
let bridgePort: number;
let dev: ChildProcess | undefined;

const kelos = (args: string[], input?: string) => runKelos({ address: `127.0.0.1:${port}`, home }, args, input);
const startDev = () => startKelosDev({ home }, ['--port', String(port), '--ui-port', String(uiPort), '--bridge-port', String(bridgePort)]);
const stopDev = stopKelosDev;

function post(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => http.get(url, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject));
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-dev-test-'));
  port = await freePort();
  uiPort = await freePort();
  bridgePort = await freePort();
});
afterAll(async () => {
  if (dev) await stopDev(dev);
});

it('runs the main job: kelos dev, kelos run -w with the fake agent, get/logs, restart with data kept', async () => {
  const first = await startDev();
  dev = first.process;
  expect(first.output()).toContain(`Web UI:     http://127.0.0.1:${uiPort}`);
  expect(await httpStatus(`http://127.0.0.1:${uiPort}/`)).toBe(200);

  const run = kelos(['run', '-p', 'Add a greeting', '--image', './examples/agents/fake-agent.sh', '--credential-type', 'none', '--name', 'demo', '-w']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('task/demo created');
  expect(run.stdout).toContain('task/demo Succeeded');

  const json = kelos(['get', 'task', 'demo', '-o', 'json']);
  expect(json.code).toBe(0);
  const task = JSON.parse(json.stdout);
  expect(task).toMatchObject({ apiVersion: 'kelos.dev/v1alpha2', kind: 'Task', metadata: { name: 'demo', namespace: 'default' } });
  expect(task.status.phase).toBe('Succeeded');
  expect(task.status.results).toMatchObject({ 'cost-usd': '0.0123', 'input-tokens': '1500', 'output-tokens': '250' });
  expect(Buffer.from(task.status.results.response, 'base64').toString()).toBe('Fake agent finished: Add a greeting');

  const table = kelos(['get', 'tasks']);
  expect(table.stdout).toMatch(/^NAME\s+TYPE\s+PHASE\s+BRANCH\s+AGE/m);
  expect(table.stdout).toMatch(/^demo\s+claude-code\s+Succeeded/m);
  expect(kelos(['logs', 'demo']).stdout).toContain('received the prompt:');

  const applied = kelos(['apply', '-f', 'examples/local/task.yaml']);
  expect(applied.stdout).toBe('task/hello-local created\n');

  // A TaskSpawner through the CLI: apply, suspend/resume, re-apply in place, delete.
  expect(kelos(['apply', '-f', 'examples/local/cron-spawner.yaml']).stdout).toBe('taskspawner/every-five-minutes created\n');
  expect(kelos(['suspend', 'taskspawner', 'every-five-minutes']).stdout).toMatch(/^taskspawner\/every-five-minutes suspended/);
  expect(kelos(['get', 'taskspawners']).stdout).toMatch(/^every-five-minutes\s+cron\s+Suspended\s+0\s+0\s+0/m);
  expect(kelos(['resume', 'ts', 'every-five-minutes']).stdout).toMatch(/^taskspawner\/every-five-minutes resumed/);
  expect(kelos(['apply', '-f', 'examples/local/cron-spawner.yaml']).stdout).toBe('taskspawner/every-five-minutes configured\n');
  expect(JSON.parse(kelos(['get', 'taskspawner', 'every-five-minutes', '-o', 'json']).stdout).status.phase).toBe('Running');
  expect(kelos(['delete', 'taskspawner', 'every-five-minutes']).stdout).toBe('taskspawner/every-five-minutes deleted\n');

  // The webhook bridge that kelos dev started: a generic delivery becomes a Task of the example spawner.
  expect(first.output()).toContain(`Webhooks:   http://127.0.0.1:${bridgePort}/webhook/github`);
  expect(kelos(['apply', '-f', 'examples/local/webhook-spawner.yaml']).stdout).toBe('taskspawner/alerts created\n');
  const alert = JSON.stringify({ id: 'a-1', title: 'Disk full on db-2', severity: 'critical' });
  const accepted = await eventually(async () => {
    const response = await post(`http://127.0.0.1:${bridgePort}/webhook/alerts`, alert);
    return response.status === 200 ? response : undefined; // 404 until visibility lists the new spawner
  }, 30_000, 'the bridge to accept the alert');
  expect(JSON.parse(accepted.body)).toMatchObject({ spawners: 1 });
  const alertTask = await eventually(async () => {
    const listed = kelos(['get', 'tasks', '-o', 'json']);
    const list = JSON.parse(listed.stdout) as { items: { spec: { prompt: string } }[] };
    return list.items.find((t) => t.spec.prompt.includes('Disk full on db-2'));
  }, 30_000, 'the alert Task');
  expect(alertTask.spec.prompt).toBe('Investigate the critical alert a-1: Disk full on db-2\n');
  expect(kelos(['get', 'taskspawner', 'every-five-minutes']).stderr).toBe('error: taskspawner "every-five-minutes" not found in namespace "default"\n');

  expect(await stopDev(dev)).toBe(0);
  const down = kelos(['get', 'tasks']);
  expect(down.code).toBe(1);
  expect(down.stderr).toBe(`error: cannot reach Temporal at 127.0.0.1:${port}: start it with \`kelos dev\`, or pass --address / set TEMPORAL_ADDRESS\n`);

  dev = (await startDev()).process;
  const again = JSON.parse(kelos(['get', 'task', 'demo', '-o', 'json']).stdout);
  expect(again.status.results).toEqual(task.status.results);
  const hello = await waitFor(() => {
    const t = JSON.parse(kelos(['get', 'task', 'hello-local', '-o', 'json']).stdout);
    return t.status.phase === 'Succeeded' ? t : undefined;
  });
  expect(hello.spec.branch).toBe('kelos-hello');
  expect(await stopDev(dev)).toBe(0);
}, 300_000);

it('answers bad input with one clear line and a non-zero exit', () => {
  const missing = kelos(['get', 'task', 'nope']);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/^error: cannot reach Temporal at /);

  const bad = kelos(['apply', '--dry-run', '-f', '-'], 'apiVersion: kelos.dev/v1alpha1\nkind: TaskSpawner\nmetadata: {name: s}\nspec:\n  when: {githubIssues: {state: opened}}\n  taskTemplate: {type: claude-code, credentials: {type: none}, workspaceRef: {name: w}}\n');
  expect(bad.code).toBe(1);
  expect(bad.stderr).toBe('error: stdin#1 spec.when.githubIssues.state: must be one of open, closed, all (got "opened")\n');

  const flag = kelos(['run', '-p', 'x', '--type', 'gpt']);
  expect(flag.code).not.toBe(0);
  expect(flag.stderr.split('\n')[0]).toMatch(/option '-t, --type <agent>' argument 'gpt' is invalid/);
  expect(kelos(['run', '-p', 'x']).stderr).toBe('error: no credentials: set apiKey or oauthToken in the config file (kelos init), pass --secret NAME (a Secret applied with `kelos apply`) or --credential-type none\n');
});

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 500));
  }
}
