/**
 * Collects the Go templates from the shared Kelos example manifests (read from disk at test time,
 * never copied) and pairs each with realistic template data for its source, following
 * kelos-behaviour.md §4.2: polling sources always carry 13 keys; GitHub webhooks add keys only when
 * non-empty; Linear and generic webhooks expose the raw JSON payload.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

export const KELOS_EXAMPLES_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'fixtures', 'kelos-examples');

export interface ExampleTemplate {
  /** file#doc:path, for failure messages. */
  where: string;
  template: string;
  /** Which data family the template is rendered with. */
  source: 'polling' | 'githubWebhook' | 'linearWebhook' | 'genericWebhook' | 'taskDeps' | 'unknown';
  /** For generic webhooks: the fieldMapping keys. */
  fieldMapping?: string[];
}

function listYaml(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listYaml(p));
    else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function sourceOf(spec: Obj): { source: ExampleTemplate['source']; fieldMapping?: string[] } {
  const when = isObj(spec.when) ? spec.when : {};
  if ('githubWebhook' in when) return { source: 'githubWebhook' };
  if ('linearWebhook' in when) return { source: 'linearWebhook' };
  if (isObj(when.webhook)) {
    const fm = isObj(when.webhook.fieldMapping) ? Object.keys(when.webhook.fieldMapping) : [];
    return { source: 'genericWebhook', fieldMapping: fm };
  }
  if (['githubIssues', 'githubPullRequests', 'jira', 'cron'].some((k) => k in when)) return { source: 'polling' };
  return { source: 'unknown' };
}

export function collectExampleTemplates(): ExampleTemplate[] {
  const found: ExampleTemplate[] = [];
  for (const file of listYaml(KELOS_EXAMPLES_DIR)) {
    const rel = path.relative(KELOS_EXAMPLES_DIR, file);
    parseAllDocuments(fs.readFileSync(file, 'utf8')).forEach((doc, i) => {
      const res = doc.toJS() as unknown;
      if (!isObj(res) || !isObj(res.spec)) return;
      const spec = res.spec;
      const where = (p: string): string => `${rel}#${i}:${p}`;
      if (res.kind === 'TaskSpawner' && isObj(spec.taskTemplate)) {
        const { source, fieldMapping } = sourceOf(spec);
        const tt = spec.taskTemplate;
        const add = (p: string, v: unknown): void => {
          if (typeof v === 'string') found.push({ where: where(p), template: v, source, fieldMapping });
        };
        add('taskTemplate.promptTemplate', tt.promptTemplate);
        add('taskTemplate.branch', tt.branch);
        add('taskTemplate.nameTemplate', tt.nameTemplate);
        add('nameTemplate', spec.nameTemplate);
        const meta = isObj(tt.metadata) ? tt.metadata : {};
        for (const kind of ['labels', 'annotations'] as const) {
          const m = meta[kind];
          if (isObj(m)) for (const [k, v] of Object.entries(m)) add(`taskTemplate.metadata.${kind}.${k}`, v);
        }
      }
      // Tasks with dependsOn have their prompt rendered against {Deps: ...} (§4.7).
      if (res.kind === 'Task' && Array.isArray(spec.dependsOn) && spec.dependsOn.length > 0 && typeof spec.prompt === 'string') {
        found.push({ where: where('spec.prompt'), template: spec.prompt, source: 'taskDeps' });
      }
    });
  }
  return found;
}

const pollingIssue = {
  ID: '42',
  Number: 42,
  Title: 'Crash when reconciling a Task without a workspace',
  Body: 'Steps to reproduce:\n1. kubectl apply -f task.yaml\n2. watch the controller log',
  URL: 'https://github.com/acme/app/issues/42',
  Labels: 'bug, kelos/agent',
  Comments: '',
  Kind: 'Issue',
  Branch: '',
  ReviewState: '',
  ReviewComments: '',
  Time: '',
  Schedule: '',
};

/** Data variants per source: several events so every branch of the examples' templates runs. */
export function dataVariants(t: ExampleTemplate): Array<{ label: string; data: unknown }> {
  switch (t.source) {
    case 'polling':
      return [
        { label: 'issue', data: pollingIssue },
        { label: 'issue with comments', data: { ...pollingIssue, Comments: '@bot please fix\n\nLGTM' } },
        {
          label: 'pull request',
          data: {
            ...pollingIssue,
            Number: 7,
            ID: '7',
            Kind: 'PR',
            Branch: 'feature/retry',
            ReviewState: 'changes_requested',
            ReviewComments: 'api/v1.go:12: handle nil',
            URL: 'https://github.com/acme/app/pull/7',
          },
        },
        {
          label: 'cron tick',
          data: {
            ...pollingIssue,
            ID: '20260207-0900',
            Number: 0,
            Title: '2026-02-07T09:00:00Z',
            Body: '',
            URL: '',
            Labels: '',
            Time: '2026-02-07T09:00:00Z',
            Schedule: '0 9 * * 1',
          },
        },
      ];
    case 'githubWebhook': {
      const base = {
        Action: 'opened',
        Sender: 'octocat',
        Ref: '',
        Repository: 'acme/app',
        RepositoryOwner: 'acme',
        RepositoryName: 'app',
        Kind: 'webhook',
        ChangedFiles: [] as string[],
      };
      return [
        {
          label: 'issues.opened',
          data: {
            ...base,
            Event: 'issues',
            ID: '42',
            Number: 42,
            Title: 'Crash on start',
            Body: 'It crashes.',
            URL: 'https://github.com/acme/app/issues/42',
            Payload: { action: 'opened', issue: { number: 42, title: 'Crash on start', user: { login: 'octocat' } } },
          },
        },
        {
          label: 'pull_request.opened',
          data: {
            ...base,
            Event: 'pull_request',
            ID: '7',
            Number: 7,
            Title: 'Add retries',
            Body: 'Adds retries.',
            URL: 'https://github.com/acme/app/pull/7',
            Branch: 'feature/retry',
            ChangedFiles: ['internal/retry.go', 'internal/retry_test.go'],
            Payload: { action: 'opened', pull_request: { number: 7, head: { ref: 'feature/retry' } } },
          },
        },
        {
          label: 'issue_comment.created',
          data: {
            ...base,
            Event: 'issue_comment',
            Action: 'created',
            ID: '42',
            Number: 42,
            Title: 'Crash on start',
            URL: 'https://github.com/acme/app/issues/42',
            CommentBody: '/kelos fix this',
            CommentURL: 'https://github.com/acme/app/issues/42#issuecomment-1',
            Payload: { action: 'created', comment: { body: '/kelos fix this' } },
          },
        },
        {
          label: 'check_run.completed',
          data: {
            ...base,
            Event: 'check_run',
            Action: 'completed',
            ID: '99',
            Title: 'CI / test',
            Branch: 'main',
            CheckName: 'CI / test',
            Conclusion: 'failure',
            CheckRunURL: 'https://github.com/acme/app/runs/99',
            HeadSHA: '0123456789abcdef0123456789abcdef01234567',
            CheckApp: 'github-actions',
            Payload: { action: 'completed', check_run: { id: 99, conclusion: 'failure' } },
          },
        },
      ];
    }
    case 'linearWebhook':
      return [
        {
          label: 'Issue.create',
          data: {
            ID: 'ENG-42',
            Title: 'Crash on start',
            Kind: 'LinearWebhook',
            Type: 'Issue',
            Action: 'create',
            State: 'Todo',
            Labels: 'bug, agent',
            IssueID: '',
            Payload: { action: 'create', type: 'Issue', data: { id: 'abc', identifier: 'ENG-42', priority: 1, url: 'https://linear.app/acme/issue/ENG-42' } },
          },
        },
      ];
    case 'genericWebhook': {
      const mapped: Record<string, unknown> = {};
      for (const k of t.fieldMapping ?? []) mapped[k] = `sample-${k}`;
      return [
        {
          label: 'delivery',
          data: {
            Kind: 'GenericWebhook',
            ID: 'evt-1',
            Title: 'TypeError in handler',
            Body: '',
            URL: 'https://sentry.io/organizations/acme/issues/1/',
            ...mapped,
            level: 'error',
            platform: 'python',
            Payload: { data: { event: { event_id: 'evt-1', level: 'error', platform: 'python', count: 1000000 } } },
          },
        },
      ];
    }
    case 'taskDeps':
      return [
        {
          label: 'deps',
          data: {
            Deps: Object.fromEntries(
              ['scaffold', 'write-tests', 'implement'].map((n) => [
                n,
                {
                  Name: n,
                  Outputs: [`branch: feature/${n}`, 'pr: https://github.com/acme/app/pull/7'],
                  Results: { branch: `feature/${n}`, pr: 'https://github.com/acme/app/pull/7', 'cost-usd': '0.42' },
                },
              ]),
            ),
          },
        },
      ];
    default:
      return [{ label: 'polling issue', data: pollingIssue }];
  }
}
