/**
 * Broken manifests and the exact one-line errors they produce: `source#N path: message`. Covers CRD enums,
 * patterns, required fields, minimums, max items, unknown fields, and the CEL rules of kelos-behaviour §1.
 */
import { parseManifests } from '../../src/model';

const SPAWNER_HEAD = `apiVersion: kelos.dev/v1alpha2
kind: TaskSpawner
metadata: {name: s}
spec:
`;
const TEMPLATE = `  taskTemplate:
    type: claude-code
    credentials: {type: api-key, secretRef: {name: k}}
    workspaceRef: {name: ws}
`;
const spawnerWith = (when: string, template = TEMPLATE, extra = '') => `${SPAWNER_HEAD}  when:\n${when}${template}${extra}`;

const TASK_HEAD = `apiVersion: kelos.dev/v1alpha2
kind: Task
metadata: {name: t}
spec:
  prompt: hi
`;
const taskWith = (spec: string) => `${TASK_HEAD}${spec}`;

const V1_SPAWNER_HEAD = SPAWNER_HEAD.replace('v1alpha2', 'v1alpha1');

function errorsOf(text: string, source = 'taskspawner.yaml'): string[] {
  return parseManifests(text, source).errors.map(String);
}

interface Case {
  behaviour: string;
  text: string;
  errors: string[];
  source?: string;
}

const CASES: Case[] = [
  // --- enums, patterns, types, minimums
  {
    behaviour: 'githubIssues state is an enum',
    text: spawnerWith('    githubIssues: {state: opened}\n'),
    errors: ['taskspawner.yaml#1 spec.when.githubIssues.state: must be one of open, closed, all (got "opened")'],
  },
  {
    behaviour: 'githubIssues types items are an enum',
    text: spawnerWith('    githubIssues: {types: [issues, prs]}\n'),
    errors: ['taskspawner.yaml#1 spec.when.githubIssues.types[1]: must be one of issues, pulls (got "prs")'],
  },
  {
    behaviour: 'reviewState is an enum',
    text: spawnerWith('    githubPullRequests: {reviewState: approve}\n'),
    errors: [
      'taskspawner.yaml#1 spec.when.githubPullRequests.reviewState: must be one of approved, changes_requested, any (got "approve")',
    ],
  },
  {
    behaviour: 'allowedTeams are org/team-slug',
    text: spawnerWith('    githubIssues:\n      commentPolicy: {triggerComment: /go, allowedTeams: [platform]}\n'),
    errors: ['taskspawner.yaml#1 spec.when.githubIssues.commentPolicy.allowedTeams[0]: must match ^[^/]+/[^/]+$ (got "platform")'],
  },
  {
    behaviour: 'minimumPermission is an enum',
    text: spawnerWith('    githubIssues:\n      commentPolicy: {minimumPermission: owner}\n'),
    errors: [
      'taskspawner.yaml#1 spec.when.githubIssues.commentPolicy.minimumPermission: must be one of read, triage, write, maintain, admin (got "owner")',
    ],
  },
  {
    behaviour: 'an unparseable pollInterval is an error (Kelos silently uses 5m)',
    text: spawnerWith('    githubIssues: {pollInterval: 5 minutes}\n'),
    errors: [
      'taskspawner.yaml#1 spec.when.githubIssues.pollInterval: unknown unit " minutes" in duration "5 minutes": expected a number followed by a unit (ns, us, ms, s, m, h), e.g. 30s, 5m or 1h30m, or a whole number of seconds',
    ],
  },
  {
    behaviour: 'pollInterval must be positive',
    text: spawnerWith('    jira: {baseUrl: "https://x.atlassian.net", project: ENG, secretRef: {name: j}, pollInterval: 0s}\n'),
    errors: ['taskspawner.yaml#1 spec.when.jira.pollInterval: must be a positive duration (got "0s")'],
  },
  {
    behaviour: 'jira baseUrl must be http(s) and secretRef is required',
    text: spawnerWith('    jira: {baseUrl: x.atlassian.net, project: ENG}\n'),
    errors: [
      'taskspawner.yaml#1 spec.when.jira.baseUrl: must match ^https?://.+ (got "x.atlassian.net")',
      'taskspawner.yaml#1 spec.when.jira.secretRef: is required',
    ],
  },
  {
    behaviour: 'cron schedules are 5-field expressions',
    text: spawnerWith('    cron: {schedule: "0 9 * *"}\n'),
    errors: [
      'taskspawner.yaml#1 spec.when.cron.schedule: must be a 5-field cron expression (minute hour day-of-month month day-of-week) or a descriptor such as @daily (got "0 9 * *")',
    ],
  },
  {
    behaviour: 'cron descriptors must be known ones',
    text: spawnerWith('    cron: {schedule: "@fortnightly"}\n'),
    errors: ['taskspawner.yaml#1 spec.when.cron.schedule: unknown descriptor "@fortnightly": use @hourly, @daily, @weekly, @monthly or @yearly'],
  },
  {
    behaviour: 'cron field values are checked',
    text: spawnerWith('    cron: {schedule: "61 9 * * *"}\n'),
    errors: [expect.stringMatching(/^taskspawner.yaml#1 spec.when.cron.schedule: invalid schedule "61 9 \* \* \*": ./)],
  },
  {
    behaviour: 'generic webhook source is a lowercase identifier and fieldMapping must contain id',
    text: spawnerWith('    webhook: {source: Sentry_1, fieldMapping: {title: $.title}}\n'),
    errors: [
      'taskspawner.yaml#1 spec.when.webhook.source: must match ^[a-z0-9]([a-z0-9-]*[a-z0-9])?$ (got "Sentry_1")',
      "taskspawner.yaml#1 spec.when.webhook.fieldMapping: must include an 'id' key for deduplication and task naming",
    ],
  },
  {
    behaviour: 'generic webhook filters set exactly one of value and pattern',
    text: spawnerWith(
      '    webhook:\n      source: s\n      fieldMapping: {id: $.id}\n      filters: [{field: $.a, value: x, pattern: y}, {field: $.b}]\n',
    ),
    errors: [
      'taskspawner.yaml#1 spec.when.webhook.filters[0]: exactly one of value or pattern must be set',
      'taskspawner.yaml#1 spec.when.webhook.filters[1]: exactly one of value or pattern must be set',
    ],
  },
  {
    behaviour: 'generic webhook JSONPaths must parse as Kelos parses them (PaesslerAG/jsonpath), filters and all',
    text: spawnerWith(
      `    webhook:
      source: s
      fieldMapping: {id: $.id, title: "$['title']", labels: '$.issue.labels[?(@.name == "bug")].name'}
      filters: [{field: "$.labels[?(@.n > 1)]", value: x}, {field: '$.commits[?(@.distinct == true)].id', value: y}]
      excludeFilters: [{field: $.a.0, pattern: y}]
`,
    ),
    errors: [
      `taskspawner.yaml#1 spec.when.webhook.fieldMapping.title: invalid JSONPath "$['title']": column 3: invalid string literal 'title': single quotes hold one character (a Go rune literal); quote names with double quotes, e.g. ["full_name"]`,
      `taskspawner.yaml#1 spec.when.webhook.filters[0].field: invalid JSONPath "$.labels[?(@.n > 1)]": column 16: unexpected ">" where ")" was expected to close "("; Kelos's JSONPath (gval Base) has only the == and != operators, no <, >, &&, || or !`,
      'taskspawner.yaml#1 spec.when.webhook.excludeFilters[0].field: invalid JSONPath "$.a.0": column 4: unexpected ".0" after a complete expression; a name cannot start with a digit, write [n] for an index',
    ],
  },
  {
    behaviour: 'githubWebhook needs 1 to 20 events',
    text: spawnerWith('    githubWebhook: {events: []}\n'),
    errors: ['taskspawner.yaml#1 spec.when.githubWebhook.events: must list at least one item'],
  },
  {
    behaviour: 'check_run conclusion is an enum',
    text: spawnerWith('    githubWebhook:\n      events: [check_run]\n      filters: [{event: check_run, conclusion: failed}]\n'),
    errors: [
      'taskspawner.yaml#1 spec.when.githubWebhook.filters[0].conclusion: must be one of success, failure, cancelled, timed_out, action_required, neutral, skipped, stale (got "failed")',
    ],
  },
  {
    behaviour: 'linear filter action is an enum',
    text: spawnerWith('    linearWebhook: {types: [Issue], filters: [{action: created}]}\n'),
    errors: [
      'taskspawner.yaml#1 spec.when.linearWebhook.filters[0].action: must be one of create, update, remove (got "created")',
    ],
  },
  {
    behaviour: 'maxConcurrency is at least 0 and an integer',
    text: spawnerWith('    cron: {schedule: "0 * * * *"}\n', TEMPLATE, '  maxConcurrency: -1\n  maxTotalTasks: 1.5\n'),
    errors: [
      'taskspawner.yaml#1 spec.maxConcurrency: must be at least 0 (got -1)',
      'taskspawner.yaml#1 spec.maxTotalTasks: must be an integer (got 1.5)',
    ],
  },
  {
    behaviour: 'ttlSecondsAfterFinished is at least 0 and activeDeadlineSeconds at least 1',
    text: taskWith(
      '  type: claude-code\n  credentials: {type: none}\n  ttlSecondsAfterFinished: -5\n  podOverrides: {activeDeadlineSeconds: 0}\n',
    ),
    source: 'task.yaml',
    errors: [
      'task.yaml#1 spec.ttlSecondsAfterFinished: must be at least 0 (got -5)',
      'task.yaml#1 spec.podOverrides.activeDeadlineSeconds: must be at least 1 (got 0)',
    ],
  },
  {
    behaviour: 'agent type and credential type are enums',
    text: taskWith('  type: claude\n  credentials: {type: token}\n'),
    source: 'task.yaml',
    errors: [
      'task.yaml#1 spec.type: must be one of claude-code, codex, gemini, opencode, cursor (got "claude")',
      'task.yaml#1 spec.credentials.type: must be one of api-key, oauth, none (got "token")',
    ],
  },
  {
    behaviour: 'prompt is required and must be a string',
    text: `apiVersion: kelos.dev/v1alpha2\nkind: Task\nmetadata: {name: t}\nspec: {type: codex, credentials: {type: none}}\n---\n${taskWith('  type: codex\n  credentials: {type: none}\n').replace('prompt: hi', 'prompt: 42')}`,
    source: 'task.yaml',
    errors: ['task.yaml#1 spec.prompt: is required', 'task.yaml#2 spec.prompt: must be a string (got number)'],
  },
  {
    behaviour: 'metadata.name is a lowercase RFC 1123 name and is required',
    text: `apiVersion: kelos.dev/v1alpha2\nkind: Workspace\nmetadata: {name: My_WS}\nspec: {repo: "https://github.com/a/b"}\n---\napiVersion: kelos.dev/v1alpha2\nkind: Workspace\nmetadata: {}\nspec: {repo: "https://github.com/a/b"}\n`,
    source: 'workspace.yaml',
    errors: [
      "workspace.yaml#1 metadata.name: must be a lowercase RFC 1123 name (letters a-z, digits, '-' and '.', starting and ending with a letter or digit) (got \"My_WS\")",
      'workspace.yaml#2 metadata.name: is required',
    ],
  },
  {
    behaviour: 'Workspace repo and remote URLs must be git URLs; origin is reserved; names are unique',
    text: `apiVersion: kelos.dev/v1alpha2\nkind: Workspace\nmetadata: {name: ws}\nspec:\n  repo: github.com/a/b\n  remotes:\n    - {name: origin, url: "https://github.com/a/b"}\n    - {name: up, url: "git@github.com:u/b.git"}\n    - {name: up, url: "ftp://x"}\n  setupCommand: []\n`,
    source: 'workspace.yaml',
    errors: [
      'workspace.yaml#1 spec.repo: must match ^(https?://|git://|git@|file://).* (got "github.com/a/b")',
      'workspace.yaml#1 spec.remotes[2].url: must match ^(https?://|git://|git@|file://).* (got "ftp://x")',
      'workspace.yaml#1 spec.setupCommand: must list at least one item',
      "workspace.yaml#1 spec.remotes[0].name: remote name 'origin' is reserved for the clone source",
      'workspace.yaml#1 spec.remotes[2].name: remote names must be unique (duplicate "up")',
    ],
  },
  {
    behaviour: 'Workspace file paths stay inside the checkout: relative, no .. segment, no NUL, forward slashes',
    text: `apiVersion: kelos.dev/v1alpha2\nkind: Workspace\nmetadata: {name: ws}\nspec:\n  repo: "https://github.com/a/b"\n  files:\n    - {path: ../x, content: a}\n    - {path: /etc/cron.d/x, content: a}\n    - {path: "docs/../../.gitconfig", content: a}\n    - {path: "a\\0b", content: a}\n    - {path: "a\\\\b", content: a}\n    - {path: ./, content: a}\n    - {path: "   ", content: a}\n    - {path: ./docs//notes.md, content: fine}\n`,
    source: 'workspace.yaml',
    errors: [
      `workspace.yaml#1 spec.files[0].path: must not contain '..' segments (got "../x")`,
      'workspace.yaml#1 spec.files[1].path: must be relative to the repository, not absolute (got "/etc/cron.d/x")',
      `workspace.yaml#1 spec.files[2].path: must not contain '..' segments (got "docs/../../.gitconfig")`,
      'workspace.yaml#1 spec.files[3].path: must not contain a NUL byte (got "a\\u0000b")',
      'workspace.yaml#1 spec.files[4].path: must use forward slashes (got "a\\\\b")',
      'workspace.yaml#1 spec.files[5].path: must name a file inside the repository, not the repository itself (got "./")',
      'workspace.yaml#1 spec.files[6].path: must not be empty (got "   ")',
    ],
  },
  {
    behaviour: 'v1alpha1 Workspace has no ghproxy',
    text: `apiVersion: kelos.dev/v1alpha1\nkind: Workspace\nmetadata: {name: ws}\nspec: {repo: "https://github.com/a/b", ghproxy: {}}\n`,
    source: 'workspace.yaml',
    errors: ['workspace.yaml#1 spec: unknown field "ghproxy"'],
  },
  {
    behaviour: 'MCP servers need a command (stdio) or url (http/sse)',
    text: `apiVersion: kelos.dev/v1alpha2\nkind: AgentConfig\nmetadata: {name: c}\nspec:\n  mcpServers:\n    - {name: a, type: stdio}\n    - {name: b, type: sse}\n    - {name: c, type: websocket}\n`,
    source: 'agentconfig.yaml',
    errors: [
      'agentconfig.yaml#1 spec.mcpServers[2].type: must be one of stdio, http, sse (got "websocket")',
      'agentconfig.yaml#1 spec.mcpServers[0].command: is required when type is stdio',
      'agentconfig.yaml#1 spec.mcpServers[1].url: is required when type is http or sse',
    ],
  },

  // --- execution-source CEL rules
  {
    behaviour: 'a Task needs exactly one execution source',
    text: taskWith(''),
    source: 'task.yaml',
    errors: ['task.yaml#1 spec: either workerPoolRef, worker with type, or type with credentials is required'],
  },
  {
    behaviour: 'legacy type needs credentials on a Task',
    text: taskWith('  type: codex\n'),
    source: 'task.yaml',
    errors: ['task.yaml#1 spec: either workerPoolRef, worker with type, or type with credentials is required'],
  },
  {
    behaviour: 'an inline worker needs credentials',
    text: taskWith('  worker: {type: codex}\n'),
    source: 'task.yaml',
    errors: ['task.yaml#1 spec.worker.credentials: is required for inline execution'],
  },
  {
    behaviour: 'worker and legacy type/credentials are mutually exclusive',
    text: taskWith('  type: codex\n  credentials: {type: none}\n  worker: {type: codex, credentials: {type: none}}\n'),
    source: 'task.yaml',
    errors: ['task.yaml#1 spec.worker: worker is mutually exclusive with legacy type/credentials fields'],
  },
  {
    behaviour: 'workerPoolRef excludes worker and per-task execution fields',
    text: taskWith(
      '  workerPoolRef: {name: pool}\n  worker: {type: codex, credentials: {type: none}}\n  branch: main\n  dependsOn: [a]\n  ttlSecondsAfterFinished: 0\n',
    ),
    source: 'task.yaml',
    errors: [
      'task.yaml#1 spec.workerPoolRef: workerPoolRef is mutually exclusive with inline worker (per-task overrides not yet supported)',
      'task.yaml#1 spec.dependsOn: dependsOn is not supported with workerPoolRef',
      'task.yaml#1 spec.branch: branch is not supported with workerPoolRef',
      'task.yaml#1 spec.ttlSecondsAfterFinished: ttlSecondsAfterFinished is not supported with workerPoolRef',
    ],
  },
  {
    behaviour: 'secretRef is required for api-key and oauth credentials',
    text: taskWith('  type: codex\n  credentials: {type: oauth}\n'),
    source: 'task.yaml',
    errors: ['task.yaml#1 spec.credentials.secretRef: is required for api-key and oauth credential types'],
  },
  {
    behaviour: 'podFailurePolicy rules may not use FailIndex',
    text: taskWith(
      '  type: codex\n  credentials: {type: none}\n  podFailurePolicy:\n    rules: [{action: Ignore, onPodConditions: [{type: DisruptionTarget}]}, {action: FailIndex}]\n',
    ),
    source: 'task.yaml',
    errors: ['task.yaml#1 spec.podFailurePolicy.rules[1].action: FailIndex is not supported for Task Jobs'],
  },
  {
    behaviour: 'reserved volume and container names are rejected',
    text: taskWith(
      '  type: codex\n  credentials: {type: none}\n  podOverrides:\n    volumes: [{name: workspace, emptyDir: {}}, {name: kelos-cache, emptyDir: {}}, {name: data, emptyDir: {}}]\n    extraContainers: [{name: git-clone, image: x}, {name: db, image: postgres}, {image: y}]\n    extraInitContainers: [{name: db, image: z}]\n',
    ),
    source: 'task.yaml',
    errors: [
      'task.yaml#1 spec.podOverrides.volumes[0].name: must not be "workspace" or use the reserved "kelos-" prefix (got "workspace")',
      'task.yaml#1 spec.podOverrides.volumes[1].name: must not be "workspace" or use the reserved "kelos-" prefix (got "kelos-cache")',
      'task.yaml#1 spec.podOverrides.extraContainers[0].name: must not use the reserved "kelos-" prefix or a built-in init container name (git-clone, remote-setup, branch-setup, workspace-files, plugin-setup, skills-install) (got "git-clone")',
      'task.yaml#1 spec.podOverrides.extraContainers[2].name: must not be empty',
      'task.yaml#1 spec.podOverrides.extraInitContainers[0].name: name "db" is already used in extraContainers',
    ],
  },
  {
    behaviour: 'at most 8 extra containers',
    text: taskWith(
      `  type: codex\n  credentials: {type: none}\n  podOverrides:\n    extraContainers: [${Array.from({ length: 9 }, (_, i) => `{name: c${i}}`).join(', ')}]\n`,
    ),
    source: 'task.yaml',
    errors: ['task.yaml#1 spec.podOverrides.extraContainers: must have at most 8 items (got 9)'],
  },

  // --- TaskSpawner CEL rules
  {
    behaviour: 'GitHub sources require a workspace',
    text: spawnerWith('    githubIssues: {}\n', '  taskTemplate:\n    type: codex\n    credentials: {type: none}\n'),
    errors: [
      'taskspawner.yaml#1 spec.taskTemplate.workspaceRef: is required when using the githubIssues source (or set taskTemplate.worker.workspaceRef or taskTemplate.workerPoolRef)',
    ],
  },
  {
    behaviour: 'a template needs credentials from itself or spec.credentials',
    text: spawnerWith('    cron: {schedule: "0 * * * *"}\n', '  taskTemplate:\n    worker: {type: codex}\n'),
    errors: ['taskspawner.yaml#1 spec.taskTemplate.worker.credentials: is required (or set spec.credentials)'],
  },
  {
    behaviour: 'spec.credentials excludes template credentials; names are unique DNS labels',
    text: spawnerWith(
      '    cron: {schedule: "0 * * * *"}\n',
      TEMPLATE,
      '  credentials:\n    - {name: one, type: api-key, secretRef: {name: a}}\n    - {name: one, type: oauth, secretRef: {name: b}}\n    - {name: Two, type: none, secretRef: {name: c}}\n',
    ),
    errors: [
      "taskspawner.yaml#1 spec.credentials[2].name: must be a lowercase RFC 1123 label (letters a-z, digits and '-', starting and ending with a letter or digit) (got \"Two\")",
      'taskspawner.yaml#1 spec.credentials[2].type: must be one of api-key, oauth (got "none")',
      'taskspawner.yaml#1 spec.credentials: spec.credentials is mutually exclusive with taskTemplate credentials and workerPoolRef',
      'taskspawner.yaml#1 spec.credentials[1].name: duplicate name "one"',
    ],
  },
  {
    behaviour: 'githubIssues cannot report checks',
    text: spawnerWith('    githubIssues: {reporting: {checks: {}}}\n'),
    errors: ['taskspawner.yaml#1 spec.when.githubIssues.reporting.checks: checks reporting is not supported for githubIssues source'],
  },
  {
    behaviour: 'githubWebhook checks reporting needs a pull-request event',
    text: spawnerWith('    githubWebhook: {events: [push], reporting: {checks: {}}}\n'),
    errors: [
      'taskspawner.yaml#1 spec.when.githubWebhook.reporting.checks: checks reporting requires at least one pull-request event type (pull_request, pull_request_review, pull_request_review_comment, pull_request_target)',
    ],
  },
  {
    behaviour: 'exactly one source is set',
    text: spawnerWith('    cron: {schedule: "0 * * * *"}\n    jira: {baseUrl: "https://j", project: P, secretRef: {name: j}}\n'),
    errors: ['taskspawner.yaml#1 spec.when: exactly one source must be set (got jira, cron)'],
  },
  {
    behaviour: 'contextSources names are identifiers, unique, and need http',
    text: spawnerWith(
      '    cron: {schedule: "0 * * * *"}\n',
      `${TEMPLATE}    contextSources:\n      - {name: 1st, http: {url: "https://a"}}\n      - {name: ok, http: {url: "https://a", timeoutSeconds: 61}}\n      - {name: ok}\n`,
    ),
    errors: [
      'taskspawner.yaml#1 spec.taskTemplate.contextSources[0].name: must match ^[a-zA-Z][a-zA-Z0-9_]*$ (got "1st")',
      'taskspawner.yaml#1 spec.taskTemplate.contextSources[1].http.timeoutSeconds: must be at most 60 (got 61)',
      'taskspawner.yaml#1 spec.taskTemplate.contextSources[2].name: duplicate name "ok"',
      'taskspawner.yaml#1 spec.taskTemplate.contextSources[2].http: is required (http is currently the only context source kind)',
    ],
  },
  {
    behaviour: 'a context source response filter Kelos could not parse is refused at apply time',
    text: spawnerWith(
      '    cron: {schedule: "0 * * * *"}\n',
      `${TEMPLATE}    contextSources:\n      - {name: ok, http: {url: "https://a", responseFilter: {type: JSONPath, expression: "$.items[?(@.n > 1)]"}}}\n`,
    ),
    errors: [expect.stringMatching(/^taskspawner\.yaml#1 spec\.taskTemplate\.contextSources\[0\]\.http\.responseFilter\.expression: invalid JSONPath "\$\.items\[\?\(@\.n > 1\)\]"/)],
  },

  // --- v1alpha1 rules
  {
    behaviour: 'v1alpha1 triggerComment/excludeComments cannot be combined with commentPolicy',
    text: `${V1_SPAWNER_HEAD}  when:\n    githubIssues:\n      triggerComment: /go\n      commentPolicy: {allowedUsers: [me]}\n${TEMPLATE}`,
    errors: [
      'taskspawner.yaml#1 spec.when.githubIssues.commentPolicy: commentPolicy cannot be used with triggerComment or excludeComments',
    ],
  },
  {
    behaviour: 'v1alpha1 templates require type and credentials and know no worker block',
    text: `${V1_SPAWNER_HEAD}  when:\n    cron: {schedule: "0 * * * *"}\n  taskTemplate:\n    worker: {type: codex}\n`,
    errors: [
      'taskspawner.yaml#1 spec.taskTemplate.type: is required',
      'taskspawner.yaml#1 spec.taskTemplate.credentials: is required',
      'taskspawner.yaml#1 spec.taskTemplate: unknown field "worker"',
    ],
  },
  {
    behaviour: 'v1alpha1 agentConfigRef and agentConfigRefs are mutually exclusive',
    text: `apiVersion: kelos.dev/v1alpha1\nkind: Task\nmetadata: {name: t}\nspec:\n  prompt: hi\n  type: codex\n  credentials: {type: none}\n  agentConfigRef: {name: a}\n  agentConfigRefs: [{name: b}]\n`,
    source: 'task.yaml',
    errors: ['task.yaml#1 spec.agentConfigRef: agentConfigRef and agentConfigRefs are mutually exclusive'],
  },
  {
    behaviour: 'v1alpha2 has no triggerComment on githubIssues and no agentConfigRef',
    text: spawnerWith(
      '    githubIssues: {triggerComment: /go}\n',
      `${TEMPLATE}    agentConfigRef: {name: a}\n`,
    ),
    errors: [
      'taskspawner.yaml#1 spec.when.githubIssues: unknown field "triggerComment"',
      'taskspawner.yaml#1 spec.taskTemplate: unknown field "agentConfigRef" (did you mean "agentConfigRefs"?)',
    ],
  },

  // --- unknown fields, apiVersion/kind routing
  {
    behaviour: 'unknown fields are reported with a suggestion, at every level',
    text: spawnerWith('    githubIssues: {stat: open, lables: [bug]}\n', TEMPLATE, '  maxConcurency: 2\nstatuss: {}\n'),
    errors: [
      'taskspawner.yaml#1 spec.when.githubIssues: unknown field "stat" (did you mean "state"?)',
      'taskspawner.yaml#1 spec.when.githubIssues: unknown field "lables" (did you mean "labels"?)',
      'taskspawner.yaml#1 spec: unknown field "maxConcurency" (did you mean "maxConcurrency"?)',
      'taskspawner.yaml#1: unknown field "statuss" (did you mean "status"?)',
    ],
  },
  {
    behaviour: 'free-form Kubernetes objects pass through, but podOverrides itself is strict',
    text: taskWith(
      '  type: codex\n  credentials: {type: none}\n  podOverrides:\n    resources: {limits: {cpu: "2", anything: [1]}}\n    affinity: {whatever: true}\n    nodeSelectors: {a: b}\n',
    ),
    source: 'task.yaml',
    errors: ['task.yaml#1 spec.podOverrides: unknown field "nodeSelectors" (did you mean "nodeSelector"?)'],
  },
  {
    behaviour: 'label keys with dots are quoted in paths',
    text: `apiVersion: kelos.dev/v1alpha2\nkind: Workspace\nmetadata:\n  name: ws\n  labels: {kelos.dev/team: 7}\nspec: {repo: "https://github.com/a/b"}\n`,
    source: 'workspace.yaml',
    errors: ['workspace.yaml#1 metadata.labels["kelos.dev/team"]: must be a string (got number)'],
  },
  {
    behaviour: "a WorkerPool's worker names its type, credentials and Workspace; replicas is not negative; the volume template is required",
    text: `apiVersion: kelos.dev/v1alpha2\nkind: WorkerPool\nmetadata: {name: p}\nspec:\n  worker: {model: opus}\n  replicas: -1\n`,
    source: 'pool.yaml',
    errors: [
      'pool.yaml#1 spec.replicas: must be at least 0 (got -1)',
      'pool.yaml#1 spec.volumeClaimTemplate: is required',
      'pool.yaml#1 spec.worker.type: worker.type is required',
      'pool.yaml#1 spec.worker.credentials: worker.credentials is required',
      'pool.yaml#1 spec.worker.workspaceRef: worker.workspaceRef is required',
    ],
  },
  {
    behaviour: 'unknown apiVersions and kinds are errors',
    text: `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n---\napiVersion: kelos.dev/v1beta1\nkind: Task\nmetadata: {name: t}\n---\napiVersion: kelos.dev/v1alpha2\nkind: Tasks\nmetadata: {name: t}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n- just a list\n---\nplain text\n`,
    source: 'mixed.yaml',
    errors: [
      'mixed.yaml#1 apiVersion: must be one of kelos.dev/v1alpha1, kelos.dev/v1alpha2, v1 (got "apps/v1")',
      'mixed.yaml#2 apiVersion: unknown Kelos API version "kelos.dev/v1beta1" (expected kelos.dev/v1alpha1 or kelos.dev/v1alpha2)',
      'mixed.yaml#3 kind: unknown Kelos kind "Tasks" (expected one of Task, TaskSpawner, Workspace, AgentConfig, TaskBudget, WorkerPool)',
      'mixed.yaml#4 kind: only Secret is read from apiVersion v1 (got "ConfigMap")',
      'mixed.yaml#5 [0]: must be a Kubernetes object with apiVersion and kind (got string)',
      'mixed.yaml#6: must be a Kubernetes object with apiVersion and kind (got string)',
    ],
  },
];

describe('broken manifests', () => {
  it.each(CASES)('$behaviour', ({ text, errors, source }) => {
    expect(errorsOf(text, source)).toEqual(errors);
  });
});

describe('error collection', () => {
  it('collects every error of every document, not the first', () => {
    const text = [
      spawnerWith('    githubIssues: {state: opened, pollInterval: soon}\n', TEMPLATE, '  suspend: "yes"\n'),
      taskWith('  type: codex\n  credentials: {type: oauth}\n  extra: 1\n'),
      `apiVersion: kelos.dev/v1alpha2\nkind: TaskRecord\nmetadata: {name: r}\n`,
    ].join('---\n');
    const result = parseManifests(text, 'all.yaml');
    expect(result.errors.map(String)).toEqual([
      'all.yaml#1 spec.when.githubIssues.state: must be one of open, closed, all (got "opened")',
      'all.yaml#1 spec.when.githubIssues.pollInterval: invalid duration "soon": expected a number followed by a unit (ns, us, ms, s, m, h), e.g. 30s, 5m or 1h30m, or a whole number of seconds',
      'all.yaml#1 spec.suspend: must be a boolean (true or false) (got string)',
      'all.yaml#2 spec: unknown field "extra"',
      'all.yaml#2 spec.credentials.secretRef: is required for api-key and oauth credential types',
    ]);
    expect(result.unsupported.map(String)).toEqual([
      'all.yaml#3 TaskRecord "r": applying a TaskRecord (Tasks that report usage write their own when they end: kelos get taskrecords) is not supported yet by kelos-temporal',
    ]);
    expect(result.errors[0]).toMatchObject({
      source: 'all.yaml',
      document: 1,
      path: 'spec.when.githubIssues.state',
      kind: 'TaskSpawner',
      name: 's',
    });
  });
});

describe('templates are checked at apply time', () => {
  it.each([
    ['a parse error names the template and position', "    promptTemplate: 'Fix {{.Title'\n", 'spec.taskTemplate.promptTemplate: invalid template: template: promptTemplate:1:'],
    ['an unknown function is a parse error', "    branch: '{{upper .Number}}'\n", 'spec.taskTemplate.branch: invalid template: template: branch:1: function "upper" not defined'],
    ['nameTemplate may not read .Context', "    nameTemplate: 'x-{{.Context.issue}}'\n", 'spec.taskTemplate.nameTemplate: must not reference .Context'],
    ['nor through index', "    nameTemplate: 'x-{{index . \"Context\"}}'\n", 'spec.taskTemplate.nameTemplate: must not reference .Context'],
  ])('%s', (_name, templateLine, expected) => {
    const text = [
      'apiVersion: kelos.dev/v1alpha2',
      'kind: TaskSpawner',
      'metadata: {name: s}',
      'spec:',
      '  when: {cron: {schedule: "0 9 * * 1"}}',
      '  taskTemplate:',
      '    worker: {type: claude-code, credentials: {type: none}}',
      templateLine,
    ].join('\n');
    const errors = parseManifests(text, 'taskspawner.yaml').errors.map(String);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`taskspawner.yaml#1 ${expected}`);
  });
});
