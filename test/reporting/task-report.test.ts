/**
 * What reporting says and to whom (kelos-behaviour §6): Kelos's exact comment and Check Run texts, the target a
 * spawner hands each Task, and the source annotations stamped on spawned Tasks.
 */
import { parseManifests, type TaskSpawnerResource } from '../../src/model';
import { checkRunOutput, sourceAnnotations, statusCommentBody, stickyMarker, taskReportFor } from '../../src/task/reporting/task-report';
import type { WorkItem } from '../../src/sources/work-item';

function spawner(when: string): TaskSpawnerResource {
  const result = parseManifests(
    `
apiVersion: kelos.dev/v1alpha2
kind: TaskSpawner
metadata: {name: fixer, namespace: team}
spec:
  when:
${when}
  taskTemplate:
    type: claude-code
    credentials: {type: none}
    workspaceRef: {name: ws}
`,
    'spawner.yaml',
  );
  expect(result.errors.map(String)).toEqual([]);
  return result.resources[0] as TaskSpawnerResource;
}

const issue: WorkItem = { id: '7', vars: {}, labels: [], report: { kind: 'issue', owner: 'acme', repo: 'app', number: 7 } };
const pull: WorkItem = { id: '8', vars: {}, labels: [], report: { kind: 'pull-request', owner: 'acme', repo: 'app', number: 8, headSHA: 'c0ffee'.padEnd(40, '0') } };

test('status comment texts are Kelos\'s, followed by the marker', () => {
  expect(statusCommentBody('accepted', 'fixer-7', '<!-- m -->')).toBe('🤖 **Kelos Task Status**\n\nTask `fixer-7` has been **accepted** and is being processed.\n\n<!-- m -->');
  expect(statusCommentBody('succeeded', 'fixer-7', '<!-- m -->')).toBe('🤖 **Kelos Task Status**\n\nTask `fixer-7` has **succeeded**. ✅\n\n<!-- m -->');
  expect(statusCommentBody('failed', 'fixer-7', '<!-- m -->')).toBe('🤖 **Kelos Task Status**\n\nTask `fixer-7` has **failed**. ❌\n\n<!-- m -->');
  expect(stickyMarker('team', 'fixer')).toBe('<!-- kelos.dev/github-status-comment:team/fixer -->');
  expect(checkRunOutput('accepted', 'Kelos: fixer', 'fixer-8')).toEqual({ title: 'Kelos: fixer — In Progress', summary: 'Agent task `fixer-8` is in progress' });
  expect(checkRunOutput('failed', 'Kelos: fixer', 'fixer-8')).toEqual({ title: 'Kelos: fixer — Failed', summary: 'Agent task `fixer-8` has failed' });
});

describe('the target a Task reports to', () => {
  test('comments from reporting.comments or the deprecated enabled: true; PerTask by default', () => {
    expect(taskReportFor(spawner('    githubIssues: {reporting: {comments: {}}}'), issue)).toEqual({ kind: 'issue', owner: 'acme', repo: 'app', number: 7, comments: { mode: 'PerTask' }, workspaceRef: 'ws', spawner: 'fixer' });
    expect(taskReportFor(spawner('    githubIssues: {repo: acme/app, reporting: {enabled: true}}'), issue)).toMatchObject({ comments: { mode: 'PerTask' }, repoOverride: 'acme/app' });
    expect(taskReportFor(spawner('    githubIssues: {reporting: {comments: {mode: Sticky}}}'), issue)?.comments).toEqual({ mode: 'Sticky' });
  });

  test('checks need a pull request with a head SHA; the name defaults to "Kelos: <spawner>"', () => {
    const prs = spawner('    githubPullRequests: {reporting: {checks: {}}}');
    expect(taskReportFor(prs, pull)?.checks).toEqual({ name: 'Kelos: fixer', headSHA: pull.report!.headSHA });
    expect(taskReportFor(spawner('    githubPullRequests: {reporting: {checks: {name: Review}}}'), pull)?.checks?.name).toBe('Review');
    expect(taskReportFor(prs, { ...pull, report: { ...pull.report!, headSHA: undefined } })).toBeUndefined();
  });

  test('nothing without reporting, or without an issue or pull request to report on', () => {
    expect(taskReportFor(spawner('    githubIssues: {}'), issue)).toBeUndefined();
    expect(taskReportFor(spawner('    githubIssues: {reporting: {comments: {}}}'), { id: 'x', vars: {}, labels: [] })).toBeUndefined();
  });
});

test('source annotations: always for polled GitHub items, reporting ones when reporting is on', () => {
  expect(sourceAnnotations(spawner('    githubIssues: {}'), issue)).toEqual({ 'kelos.dev/source-kind': 'issue', 'kelos.dev/source-number': '7' });
  expect(sourceAnnotations(spawner('    githubPullRequests: {reporting: {comments: {mode: Sticky}, checks: {}}}'), pull)).toEqual({
    'kelos.dev/source-kind': 'pull-request',
    'kelos.dev/source-number': '8',
    'kelos.dev/github-reporting': 'enabled',
    'kelos.dev/github-comment-mode': 'Sticky',
    'kelos.dev/github-checks': 'enabled',
    'kelos.dev/github-check-name': 'Kelos: fixer',
    'kelos.dev/source-sha': pull.report!.headSHA,
  });
  expect(sourceAnnotations(spawner('    githubWebhook: {events: [issues], reporting: {comments: {}}}'), issue)).toMatchObject({ 'kelos.dev/source-owner': 'acme', 'kelos.dev/source-repo': 'app' });
  expect(sourceAnnotations(spawner('    githubWebhook: {events: [issues]}'), issue)).toEqual({});
});
