/**
 * `kelos logs` through the real binary on a finished codex Task whose agent replays codex's recorded stream
 * (test/fixtures/agent-logs/codex.txt, without its old output block): pretty by default and with `--pretty` / `-f`
 * (the agent type read from the Task), the log's bytes with `--raw` / `-o raw`, and conflicting flags refused.
 * Needs `npx tsc -p tsconfig.build.json` first (the binary runs from dist/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { taskWorkflowId } from '../../src/task/task-run';
import { taskFiles } from '../../src/host/data-dir';
import { formatAgentLog } from '../../src/clients/cli/agent-log-format';
import { runKelos } from '../harness/kelos-cli';
import { KelosTestStack, startKelosTestStack, uniqueName } from '../harness/kelos-stack';
import { testServerAddress } from '../harness/temporal';

const RECORDED = path.resolve(__dirname, '../fixtures/agent-logs/codex.txt');
let stack: KelosTestStack;
let task: string;
let agentLog: string;
const kelos = (...args: string[]) => runKelos({ address: testServerAddress(), home: stack.home }, args);

beforeAll(async () => {
  stack = await startKelosTestStack('logs-pretty');
  await stack.startWorker();
  // The agent: prints what codex printed in a real run, up to (not including) that run's output block.
  const stream = path.join(stack.shared, 'codex-stream.txt');
  fs.writeFileSync(stream, fs.readFileSync(RECORDED, 'utf8').split('---KELOS_OUTPUTS_START---')[0]);
  const image = path.join(stack.shared, 'replay-codex.sh');
  fs.writeFileSync(image, `#!/bin/sh\ncat '${stream}'\n`, { mode: 0o755 });
  task = uniqueName('pretty');
  await stack.api.startTask({
    namespace: 'default',
    name: task,
    agentType: 'codex',
    prompt: 'Add a greeting',
    image,
    credentials: { type: 'none' },
    agentConfigRefs: [],
    env: [],
    labels: {},
    sourceKind: 'cli',
    spec: { type: 'codex', prompt: 'Add a greeting' },
    apiVersion: 'kelos.dev/v1alpha2',
  });
  const status = await stack.env.client.workflow.getHandle(taskWorkflowId('default', task)).result();
  expect(status.phase).toBe('Succeeded');
  agentLog = fs.readFileSync(taskFiles(stack.home, 'default', task).agentLog, 'utf8');
}, 120_000);
afterAll(async () => stack?.teardown());

it('--pretty shows codex\'s text and plain lines on stdout, its commands and verdict on stderr; the default and -f are the same', () => {
  const pretty = kelos('logs', task, '--pretty');
  expect(pretty.code).toBe(0);
  expect(pretty.stdout).toContain('Reading additional input from stdin...\n');
  expect(pretty.stdout).toContain('Added GREETING.md and pushed it.\n');
  expect(pretty.stdout).not.toMatch(/^\{"/m);
  expect(pretty.stderr).toContain('→ shell: git add GREETING.md && git commit -q -m "Add greeting" && git push -q origin HEAD\n');
  expect(pretty.stderr).toMatch(/^→ edit: add \/tmp\/.*\/GREETING\.md$/m);
  expect(pretty.stderr).toContain('✓ done · 4000 in / 200 out tokens\n');
  // Exactly the formatter's rendering of the Task's log, codex's rules picked from the Task's type.
  const pieces = formatAgentLog('codex', agentLog);
  expect(pretty.stdout).toBe(pieces.filter((p) => p.channel === 'text').map((p) => p.text).join(''));
  expect(pretty.stderr).toBe(pieces.filter((p) => p.channel === 'note').map((p) => p.text).join(''));
  // Not a terminal here: pretty all the same, as Kelos formats whatever stdout is.
  expect(kelos('logs', task)).toEqual(pretty);
  expect(kelos('logs', task, '-f', '-o', 'pretty')).toEqual(pretty);
});

it('--raw and -o raw print the log byte for byte', () => {
  expect(kelos('logs', task, '--raw')).toEqual({ code: 0, stdout: agentLog, stderr: '' });
  expect(kelos('logs', task, '-o', 'raw').stdout).toBe(agentLog);
  expect(agentLog).toContain('{"type":"turn.completed"');
});

it('a format that is not pretty or raw, or two that disagree, are refused naming the flags', () => {
  const unknown = kelos('logs', task, '-o', 'json');
  expect(unknown.code).not.toBe(0);
  expect(unknown.stderr).toContain('invalid --output "json": use pretty or raw');
  const both = kelos('logs', task, '--raw', '--pretty');
  expect(both.code).not.toBe(0);
  expect(both.stderr).toContain('--pretty, --raw and --output disagree');
});
