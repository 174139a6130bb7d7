/**
 * Fork workflows (Kelos example 06): a githubIssues/githubPullRequests spawner whose source reads another `repo`
 * gives its Tasks that repository as `upstreamRepo` unless the template sets one; a Task without one gets the
 * Workspace remote named `upstream` as KELOS_UPSTREAM_REPO, on the local runtime as on Kubernetes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildTaskPod, taskPodName } from '../../src/runtimes/kubernetes/task-pod';
import { parseManifests, type TaskSpawnerResource } from '../../src/model';
import { manualRunTask } from '../../src/spawner/manual-run';
import { renderSpawnedTask } from '../../src/spawner/render-task';
import { taskFromTemplate, taskRunForItem } from '../../src/spawner/task-from-template';
import type { TaskRun } from '../../src/task/task-run';
import { repositoryName } from '../../src/runtimes/upstream-repo';
import { templateVarsFor } from '../../src/sources/template-vars';
import { buildAgentEnv } from '../../src/runtimes/local/agent-env';
import { FIXTURE_ALLOW, fullyLoadedRun, workspace } from '../kube-pod/fixtures';

const EXAMPLE_06 = path.resolve(__dirname, '../../../shared/fixtures/kelos-examples/06-fork-workflow/taskspawner.yaml');
const vars = templateVarsFor('githubIssues', { ID: '7', Number: 7, Title: 'Crash', Body: 'It crashes' });

function spawnerFrom(yaml: string): TaskSpawnerResource {
  const parsed = parseManifests(yaml, 'spawner.yaml');
  expect(parsed.errors.map(String)).toEqual([]);
  return parsed.resources[0] as TaskSpawnerResource;
}

function spawner(when: string, template = ''): TaskSpawnerResource {
  return spawnerFrom(`
apiVersion: kelos.dev/v1alpha2
kind: TaskSpawner
metadata: {name: fixer, namespace: default}
spec:
  when: ${when}
  taskTemplate:
    type: claude-code
    credentials: {type: none}
    workspaceRef: {name: my-fork}
    promptTemplate: "Fix #{{.Number}}"
${template}
`);
}

const upstreamOf = (s: TaskSpawnerResource) => taskFromTemplate(s, renderSpawnedTask(s, vars), () => 0).spec.upstreamRepo;

describe('upstreamRepo of a spawned Task', () => {
  it('Kelos example 06: the githubIssues repo URL becomes owner/repo, on the Task and on its run', () => {
    const s = spawnerFrom(fs.readFileSync(EXAMPLE_06, 'utf8'));
    const rendered = renderSpawnedTask(s, vars);
    expect(rendered.branch).toBe('kelos-task-7');
    const run = taskRunForItem(s, rendered, 'githubIssues', () => 0);
    expect(run.upstreamRepo).toBe('upstream-org/upstream-repo');
    expect(run.spec).toMatchObject({ upstreamRepo: 'upstream-org/upstream-repo' });
  });

  it.each([
    ['githubIssues, owner/repo', '{githubIssues: {repo: upstream-org/app}}', 'upstream-org/app'],
    ['githubIssues, SSH address', '{githubIssues: {repo: "git@github.com:upstream-org/app.git"}}', 'upstream-org/app'],
    ['githubIssues, Enterprise URL', '{githubIssues: {repo: "https://ghe.corp/platform/app/"}}', 'platform/app'],
    ['githubPullRequests, URL', '{githubPullRequests: {repo: "https://github.com/upstream-org/socket.io"}}', 'upstream-org/socket.io'],
  ])('%s', (_, when, expected) => {
    expect(upstreamOf(spawner(when))).toBe(expected);
  });

  it('the template\'s own upstreamRepo wins over the source\'s repo', () => {
    expect(upstreamOf(spawner('{githubIssues: {repo: upstream-org/app}}', '    upstreamRepo: other-org/app'))).toBe('other-org/app');
  });

  it('none when the source reads the Workspace\'s own repo, or is not a GitHub source', () => {
    expect(upstreamOf(spawner('{githubIssues: {}}'))).toBeUndefined();
    expect(upstreamOf(spawner('{githubPullRequests: {}}'))).toBeUndefined();
    expect(upstreamOf(spawner('{cron: {schedule: "0 * * * *"}}'))).toBeUndefined();
  });

  it('kelos run --from taskspawner derives it too', () => {
    const s = spawnerFrom(fs.readFileSync(EXAMPLE_06, 'utf8'));
    const task = manualRunTask(s, { Number: 7, Title: 'Crash', Body: 'It crashes' }, { now: '2026-01-01T00:00:00Z', suffix: 'abcde', pick: () => 0 });
    expect(task.spec.upstreamRepo).toBe('upstream-org/upstream-repo');
  });
});

describe('repositoryName', () => {
  it.each([
    ['upstream-org/app', 'upstream-org/app'],
    ['https://github.com/upstream-org/app.git', 'upstream-org/app'],
    ['ssh://git@github.com/upstream-org/app.git', 'upstream-org/app'],
    ['file:///srv/git/upstream-org/app.git', 'upstream-org/app'],
    ['/srv/git/upstream-org/app.git/', 'upstream-org/app'],
    ['file:///app.git', undefined],
    ['', undefined],
  ])('%s → %s', (ref, expected) => {
    expect(repositoryName(ref)).toBe(expected);
  });
});

describe('KELOS_UPSTREAM_REPO on both runtimes', () => {
  const remotes = [
    { name: 'origin-mirror', url: 'file:///srv/git/someone/app.git' },
    { name: 'upstream', url: 'file:///srv/git/upstream-org/app.git' },
  ];
  const run = (patch: Partial<TaskRun> = {}): TaskRun => fullyLoadedRun({ podOverrides: undefined, ...patch });
  const local = (r: TaskRun, rs = remotes) => buildAgentEnv({ run: r, homeDir: '/home/agent', remotes: rs, userEnv: [] }, {}).KELOS_UPSTREAM_REPO;
  const kube = (r: TaskRun, rs = remotes) => {
    const pod = buildTaskPod({ allow: FIXTURE_ALLOW, run: r, workflowId: 'w', podName: taskPodName(r.namespace, r.name), workspace: workspace({ remotes: rs }) });
    return pod.spec!.containers[0].env!.find((e) => e.name === 'KELOS_UPSTREAM_REPO')?.value;
  };

  it.each([
    ['local', local],
    ['kubernetes', kube],
  ])('%s: the Task\'s upstreamRepo, else the remote named upstream, else none', (_, envOf) => {
    expect(envOf(run({ upstreamRepo: 'upstream-org/from-source' }))).toBe('upstream-org/from-source');
    expect(envOf(run())).toBe('upstream-org/app');
    expect(envOf(run(), [{ name: 'upstream', url: 'https://github.com/upstream-org/widgets.git' }])).toBe('upstream-org/widgets');
    expect(envOf(run(), [{ name: 'upstream', url: 'https://github.com/socketio/socket.io' }])).toBe('socketio/socket.io'); // Kelos: socketio/socket
    expect(envOf(run(), [remotes[0]])).toBeUndefined();
    expect(envOf(run(), [])).toBeUndefined();
  });
});
