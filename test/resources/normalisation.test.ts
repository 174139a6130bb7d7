/**
 * Normalisation of both API versions into the one model: v1alpha1 conversion (pollInterval copy, comment-policy
 * folding, agentConfigRef), worker resolution, defaults, JSON / List input, Secrets and rendering back.
 */
import {
  normalizeTask,
  normalizeTaskSpawner,
  parseManifests,
  toKelosObject,
  type SecretResource,
  type TaskResource,
  type TaskSpawnerResource,
} from '../../src/model';

function spawner(yaml: string): TaskSpawnerResource {
  const result = parseManifests(yaml, 'spawner.yaml');
  expect(result.errors.map(String)).toEqual([]);
  return result.resources[0] as TaskSpawnerResource;
}

const V1_SPAWNER = `
apiVersion: kelos.dev/v1alpha1
kind: TaskSpawner
metadata: {name: legacy, namespace: team-a}
spec:
  pollInterval: 2m
  when:
    githubIssues:
      triggerComment: /kelos pick-up
      excludeComments: [/kelos stop]
      reporting: {enabled: true}
  taskTemplate:
    type: codex
    credentials: {type: api-key, secretRef: {name: codex-key}}
    workspaceRef: {name: ws}
    agentConfigRef: {name: cfg}
`;

describe('v1alpha1 conversion', () => {
  it('copies spec.pollInterval into the polling source, folds comment fields and enables comment reporting', () => {
    const result = spawner(V1_SPAWNER);
    expect(result.metadata).toEqual({ name: 'legacy', namespace: 'team-a' });
    expect(result.spec.when.githubIssues).toEqual({
      types: ['issues'],
      state: 'open',
      commentPolicy: { triggerComment: '/kelos pick-up', excludeComments: ['/kelos stop'] },
      reporting: { comments: { mode: 'PerTask' } },
      pollInterval: '2m',
      pollIntervalMs: 120_000,
    });
    expect(result.spec.taskTemplate).toEqual({
      worker: {
        type: 'codex',
        credentials: { type: 'api-key', secretRef: { name: 'codex-key' } },
        workspaceRef: { name: 'ws' },
        agentConfigRefs: [{ name: 'cfg' }],
      },
      promptTemplate: '{{.Title}}',
    });
    expect(result.origin).toMatchObject({ apiVersion: 'kelos.dev/v1alpha1', executionForm: 'legacy' });
  });

  it('keeps a source pollInterval over spec.pollInterval, and defaults to 5m when neither is set', () => {
    const own = spawner(V1_SPAWNER.replace('      reporting:', '      pollInterval: 30s\n      reporting:'));
    expect(own.spec.when.githubIssues).toMatchObject({ pollInterval: '30s', pollIntervalMs: 30_000 });
    const none = spawner(V1_SPAWNER.replace('  pollInterval: 2m\n', ''));
    expect(none.spec.when.githubIssues).toMatchObject({ pollInterval: '5m', pollIntervalMs: 300_000 });
  });

  it('treats a bare integer poll interval as seconds', () => {
    const result = spawner(V1_SPAWNER.replace('pollInterval: 2m', 'pollInterval: "90"'));
    expect(result.spec.when.githubIssues).toMatchObject({ pollInterval: '90', pollIntervalMs: 90_000 });
  });

  it('converts a v1alpha1 AgentConfig MCP env map into an EnvVar list', () => {
    const result = parseManifests(
      `apiVersion: kelos.dev/v1alpha1
kind: AgentConfig
metadata: {name: cfg}
spec:
  mcpServers:
    - {name: gh, type: stdio, command: gh-mcp, env: {B: "2", A: "1"}}`,
      'cfg.yaml',
    );
    expect(result.errors.map(String)).toEqual([]);
    expect(result.resources[0]).toMatchObject({
      spec: { mcpServers: [{ name: 'gh', type: 'stdio', command: 'gh-mcp', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }] },
    });
  });
});

describe('worker resolution', () => {
  it('prefers worker.X and falls back to the legacy flat X', () => {
    const result = normalizeTask({
      apiVersion: 'kelos.dev/v1alpha2',
      kind: 'Task',
      metadata: { name: 'mixed' },
      spec: {
        prompt: 'hi',
        worker: { type: 'gemini', credentials: { type: 'oauth', secretRef: { name: 'g' } }, model: 'pro' },
        model: 'ignored-because-worker-sets-it',
        effort: 'high',
        workspaceRef: { name: 'legacy-ws' },
      },
    });
    expect(result.ok).toBe(true);
    const task = (result as { resource: TaskResource }).resource;
    expect(task.spec.worker).toEqual({
      type: 'gemini',
      credentials: { type: 'oauth', secretRef: { name: 'g' } },
      model: 'pro',
      effort: 'high',
      workspaceRef: { name: 'legacy-ws' },
    });
    expect(task.origin.executionForm).toBe('worker');
    expect(toKelosObject(task).spec).toEqual({ worker: task.spec.worker, prompt: 'hi' });
  });

  it('lets a v1alpha2 template take its credentials from spec.credentials', () => {
    const result = spawner(`
apiVersion: kelos.dev/v1alpha2
kind: TaskSpawner
metadata: {name: pooled-creds}
spec:
  when: {cron: {schedule: "*/5 * * * *"}}
  credentials:
    - {name: one, type: api-key, secretRef: {name: key-1}}
    - {name: two, type: oauth, secretRef: {name: key-2}}
  taskTemplate:
    worker: {type: claude-code}
    promptTemplate: tick {{.Time}}
`);
    expect(result.spec.taskTemplate.worker).toEqual({ type: 'claude-code' });
    expect(result.spec.credentials?.map((c) => c.name)).toEqual(['one', 'two']);
  });

  it('normalizeTaskSpawner refuses another kind', () => {
    const result = normalizeTaskSpawner(
      { apiVersion: 'kelos.dev/v1alpha2', kind: 'Workspace', metadata: { name: 'w' }, spec: { repo: 'https://x/y' } },
      'input.json',
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map(String)).toEqual(['input.json#1 kind: must be "TaskSpawner" (got "Workspace")']);
  });
});

describe('defaults', () => {
  it('fills promptTemplate, suspend, reviewState, comment mode and context source defaults', () => {
    const result = spawner(`
apiVersion: kelos.dev/v1alpha2
kind: TaskSpawner
metadata: {name: prs}
spec:
  when:
    githubPullRequests:
      reporting: {comments: {}, checks: {}}
  taskTemplate:
    type: claude-code
    credentials: {type: none}
    workspaceRef: {name: ws}
    contextSources:
      - name: ticket
        http: {url: "https://tickets/{{.Number}}"}
`);
    expect(result.spec.suspend).toBe(false);
    expect(result.spec.when.githubPullRequests).toEqual({
      state: 'open',
      reviewState: 'any',
      reporting: { comments: { mode: 'PerTask' }, checks: {} },
      pollInterval: '5m',
      pollIntervalMs: 300_000,
    });
    expect(result.spec.taskTemplate.promptTemplate).toBe('{{.Title}}');
    expect(result.spec.taskTemplate.contextSources).toEqual([
      {
        name: 'ticket',
        http: { url: 'https://tickets/{{.Number}}', method: 'GET', allowInsecure: false, timeoutSeconds: 10, maxResponseBytes: 32768 },
        failurePolicy: 'Fail',
      },
    ]);
  });
});

describe('null fields', () => {
  it('treats null (an empty YAML value) as unset, as the API server does', () => {
    const result = parseManifests(
      'apiVersion: kelos.dev/v1alpha2\nkind: Workspace\nmetadata:\n  name: ws\n  labels:\nspec:\n  repo: https://github.com/a/b\n  ghproxy:\n  ref: null\n',
      'ws.yaml',
    );
    expect(result.errors).toEqual([]);
    expect(result.resources[0]).toMatchObject({ metadata: { name: 'ws', namespace: 'default' }, spec: { repo: 'https://github.com/a/b' } });
    expect((result.resources[0] as { spec: object }).spec).toEqual({ repo: 'https://github.com/a/b' });
  });
});

describe('input formats', () => {
  const task = {
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'Task',
    metadata: { name: 'from-json' },
    spec: { type: 'claude-code', prompt: 'hi', credentials: { type: 'none' } },
  };

  it('reads a JSON object', () => {
    const result = parseManifests(JSON.stringify(task), 'task.json');
    expect(result.errors).toEqual([]);
    expect(result.resources.map((r) => r.metadata.name)).toEqual(['from-json']);
  });

  it('reads a JSON array, numbering errors by item path', () => {
    const broken = { ...task, metadata: { name: 'broken' }, spec: { ...task.spec, prompt: 7 } };
    const result = parseManifests(JSON.stringify([task, broken]), 'tasks.json');
    expect(result.resources.map((r) => r.metadata.name)).toEqual(['from-json']);
    expect(result.errors.map(String)).toEqual(['tasks.json#1 [1].spec.prompt: must be a string (got number)']);
  });

  it('reads a Kubernetes List (kubectl get -o yaml)', () => {
    const result = parseManifests(
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [task, { ...task, metadata: { name: 'second', namespace: 'ns' } }] }),
      'list.json',
    );
    expect(result.resources.map((r) => [r.metadata.namespace, r.metadata.name, r.origin.path])).toEqual([
      ['default', 'from-json', 'items[0]'],
      ['ns', 'second', 'items[1]'],
    ]);
  });

  it('skips empty YAML documents without counting them', () => {
    const yaml = `# leading comment\n---\n---\n${JSON.stringify(task)}\n---\n# only a comment\n---\nkind: Nope\n`;
    const result = parseManifests(yaml, 'multi.yaml');
    expect(result.resources).toHaveLength(1);
    expect(result.errors.map(String)).toEqual(['multi.yaml#2 apiVersion: is required']);
  });

  it('reports YAML syntax errors with their document', () => {
    const result = parseManifests(`${JSON.stringify(task)}\n---\nkind: [unclosed\n`, 'bad.yaml');
    expect(result.resources).toHaveLength(1);
    expect(result.errors).toHaveLength(1);
    expect(String(result.errors[0])).toMatch(/^bad\.yaml#2: invalid YAML: /);
  });
});

describe('Secrets', () => {
  const secret = (body: string) => parseManifests(`apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\n${body}`, 'secret.yaml');

  it('decodes base64 data (UTF-8) and lets stringData win', () => {
    const result = secret(`data:\n  TOKEN: c2VjcsOpdA==\n  KEEP: a2VlcA==\nstringData:\n  TOKEN: plain\n  OTHER: x\n`);
    expect(result.errors).toEqual([]);
    const resource = result.resources[0] as SecretResource;
    expect(resource.data).toEqual({ TOKEN: 'plain', KEEP: 'keep', OTHER: 'x' });
    expect(secret('data:\n  TOKEN: c2VjcsOpdA==\n').resources[0]).toMatchObject({ data: { TOKEN: 'secrét' } });
    expect(toKelosObject(resource)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: 'default' },
      type: 'Opaque',
      stringData: { TOKEN: 'plain', KEEP: 'keep', OTHER: 'x' },
    });
  });

  it('rejects data that is not base64', () => {
    expect(secret('data:\n  TOKEN: not base64!\n').errors.map(String)).toEqual([
      'secret.yaml#1 data.TOKEN: must be base64-encoded (use stringData for plain text)',
    ]);
  });

  it('rejects non-string values', () => {
    expect(secret('stringData:\n  PORT: 8080\n').errors.map(String)).toEqual([
      'secret.yaml#1 stringData.PORT: must be a string (got number)',
    ]);
  });
});
