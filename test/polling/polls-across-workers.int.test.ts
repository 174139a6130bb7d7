/**
 * Two workers, each with its own data directory (as on two hosts), serve one polling spawner: its polls go to the
 * worker whose disk holds the poll ledger and GitHub cache, so every idle poll stays one free 304 and never a full
 * answer; when that worker is gone, the next poll goes to the other one (one full listing there, no Task twice) and
 * stays there.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnerWorkflowId, type SpawnerStatus } from '../../src/spawner/spawner-status';
import { workerPollQueue } from '../../src/sources/polling/poll';
import { workerHomeId } from '../../src/host/worker-identity';
import { LocalSecretStore } from '../../src/host/secret-store';
import { spawnerWorkflow } from '../../src/workflows';
import { spawnerStatusQuery } from '../../src/spawner/messages';
import { startFakeGitHub, type FakeGitHub } from '../harness/github-api';
import { KelosTestStack, eventually, startKelosTestStack, uniqueName } from '../harness/kelos-stack';
import { makeUpstream } from '../local/git-fixture';

const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh');
const TOKEN = 'ghp_two_workers_token_0123456789';

let github: FakeGitHub;
let stack: KelosTestStack;
const homeB = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-second-host-'));

beforeAll(async () => {
  github = await startFakeGitHub({ tokens: [TOKEN] });
  stack = await startKelosTestStack('two-workers');
  // Secrets live on each host's disk: both workers are given the token.
  for (const home of [stack.home, homeB]) new LocalSecretStore(home).put('default', 'github-token', { GITHUB_TOKEN: TOKEN });
  await stack.api.applyStoredResource({
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'Workspace',
    metadata: { name: 'widgets', namespace: 'default' },
    spec: { repo: makeUpstream(stack.home).url, secretRef: { name: 'github-token' } },
  });
});
afterAll(async () => {
  await stack?.teardown();
  await github?.close();
  fs.rmSync(homeB, { recursive: true, force: true });
});

it('sends every poll to the worker holding its state, and moves to another worker when that one is gone', async () => {
  // No workflow cache: as with many spawners on a bounded cache, each wake-up of the spawner may run on either
  // worker (and a poll started there would otherwise run there too).
  const options = { env: { GITHUB_API_URL: github.url }, tuning: { maxCachedWorkflows: 0 } };
  const workers = {
    [workerPollQueue(stack.taskQueue, workerHomeId(stack.home))]: await stack.startWorker(options),
    [workerPollQueue(stack.taskQueue, workerHomeId(homeB))]: await stack.startWorker({ ...options, home: homeB }),
  };
  expect(Object.keys(workers)).toHaveLength(2);

  const repoName = uniqueName('two-workers');
  const repo = github.repo('acme', repoName);
  repo.addIssue({ title: 'First', labels: ['agent'], user: 'alice' });
  repo.addIssue({ title: 'Second', labels: ['agent'], user: 'alice' });
  const name = uniqueName('sticky');
  const manifest = {
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'TaskSpawner',
    metadata: { name, namespace: 'default' },
    spec: {
      when: { githubIssues: { repo: `acme/${repoName}`, labels: ['agent'], pollInterval: '1s' } },
      taskTemplate: {
        type: 'claude-code',
        credentials: { type: 'none' },
        image: IMAGE,
        workspaceRef: { name: 'widgets' },
        promptTemplate: 'Issue #{{.Number}}: {{.Title}}',
        podOverrides: { env: [{ name: 'AGENT_SLEEP', value: '0' }] },
      },
    },
  };
  const handle = await stack.env.client.workflow.start(spawnerWorkflow, {
    taskQueue: stack.taskQueue,
    workflowId: spawnerWorkflowId('default', name),
    args: [{ manifest, options: { ownWorkerPickupMs: 3_000 } }],
  });
  try {
    const status = () => handle.query(spawnerStatusQuery);
    const nextPoll = (after: SpawnerStatus) =>
      eventually(async () => {
        const s = await status();
        return s.lastPoll && s.lastPoll.time !== after.lastPoll?.time ? s : undefined;
      }, 30_000, 'the next poll');

    // Settled: both Tasks made and the incremental listing caught up (issues of the newest second are listed again).
    let current = await eventually(async () => {
      const s = await status();
      return s.totalTasksCreated === 2 && s.lastPoll?.queue && s.lastPoll.notModified === 1 ? s : undefined;
    }, 60_000, 'both issues to become Tasks and an idle poll');
    const holder = current.lastPoll!.queue!;
    expect(workers[holder]).toBeDefined();

    // Eight idle polls with two workers on the queue: all on the holder, each one conditional request answered 304.
    for (let i = 0; i < 8; i += 1) {
      current = await nextPoll(current);
      expect(current.lastPoll).toMatchObject({ queue: holder, full: false, requests: 1, notModified: 1 });
    }

    await workers[holder].stop();
    const other = Object.keys(workers).find((queue) => queue !== holder)!;
    const moved = await eventually(async () => {
      const s = await status();
      return s.lastPoll?.queue === other ? s : undefined;
    }, 60_000, 'a poll on the other worker');
    // The other worker had no ledger: a full answer, whose items were already Tasks.
    expect(moved.lastPoll!.full).toBe(true);
    current = await eventually(async () => {
      const s = await status();
      return s.lastPoll?.queue === other && s.lastPoll.notModified === 1 ? s : undefined;
    }, 30_000, 'an idle poll on the other worker');
    for (let i = 0; i < 3; i += 1) {
      current = await nextPoll(current);
      expect(current.lastPoll).toMatchObject({ queue: other, full: false, requests: 1, notModified: 1 });
    }
    expect(current.totalTasksCreated).toBe(2);
    expect(current.conditions.find((c) => c.type === 'DiscoveryError')?.status ?? 'False').toBe('False');
  } finally {
    await handle.terminate('test over');
  }
}, 180_000);
