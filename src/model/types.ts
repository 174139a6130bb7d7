/**
 * The one internal resource model every room works on.
 *
 * Kelos serves two API versions (kelos.dev/v1alpha1, deprecated, and kelos.dev/v1alpha2, the storage version);
 * both are normalised here into a v1alpha2-shaped model with Kelos's conversion and defaulting already applied:
 * - the execution source of a Task / TaskTemplate is resolved into ONE effective `worker` block (`worker.X` when
 *   set, else the legacy flat `X`), or a `workerPoolRef`;
 * - v1alpha1 `spec.pollInterval` is copied into each polling source whose own `pollInterval` is empty, and every
 *   polling source carries its interval both as text and as milliseconds;
 * - v1alpha1 `triggerComment` / `excludeComments` are folded into `commentPolicy`;
 * - `agentConfigRef` becomes `agentConfigRefs`; `reporting.enabled: true` becomes `reporting.comments`;
 * - CRD defaults are filled in (states, types, reviewState, pollInterval, promptTemplate, suspend, namespace, ...).
 * `origin` remembers where the resource came from (file, document, original apiVersion and execution form).
 *
 * Free-form Kubernetes objects (resources, affinity, tolerations, volumes, container bodies, podFailurePolicy...)
 * are kept exactly as written, typed as {@link KubeObject}.
 */

export const API_VERSIONS = {
  v1alpha1: 'kelos.dev/v1alpha1',
  v1alpha2: 'kelos.dev/v1alpha2',
  core: 'v1',
} as const;
export type KelosApiVersion = typeof API_VERSIONS.v1alpha1 | typeof API_VERSIONS.v1alpha2;

/** Kinds kelos-temporal loads and runs. */
export const SUPPORTED_KINDS = ['Task', 'TaskSpawner', 'Workspace', 'AgentConfig', 'TaskBudget', 'WorkerPool'] as const;
export type SupportedKind = (typeof SUPPORTED_KINDS)[number];

/** Kelos kinds that are recognised but not run yet; documents of these kinds are reported, not loaded. */
export const UNSUPPORTED_KINDS = ['Session', 'SessionSpawner', 'TaskRecord'] as const;
export type UnsupportedKind = (typeof UNSUPPORTED_KINDS)[number];

export const AGENT_TYPES = ['claude-code', 'codex', 'gemini', 'opencode', 'cursor'] as const;
export type AgentType = (typeof AGENT_TYPES)[number];

export const CREDENTIAL_TYPES = ['api-key', 'oauth', 'none'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

export const DEFAULTS = {
  namespace: 'default',
  pollInterval: '5m',
  pollIntervalMs: 5 * 60 * 1000,
  promptTemplate: '{{.Title}}',
  githubIssuesState: 'open',
  githubIssuesTypes: ['issues'],
  githubPullRequestsState: 'open',
  reviewState: 'any',
  commentMode: 'PerTask',
  contextSourceMethod: 'GET',
  contextSourceTimeoutSeconds: 10,
  contextSourceMaxResponseBytes: 32768,
  contextSourceFailurePolicy: 'Fail',
} as const;

/** A Kubernetes object kept verbatim (container specs, volumes, affinity, podFailurePolicy, ...). */
export type KubeObject = Record<string, unknown>;

export interface ObjectMeta {
  name: string;
  /** Defaults to `default`. */
  namespace: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** How the execution source was written, so tools can explain or round-trip it. */
export const EXECUTION_FORMS = {
  /** v1alpha2 `worker:` block. */
  worker: 'worker',
  /** Flat `type` / `credentials` / ... fields (all of v1alpha1, deprecated in v1alpha2). */
  legacy: 'legacy',
  /** `workerPoolRef` (not run by kelos-temporal yet). */
  workerPool: 'workerPool',
} as const;
export type ExecutionForm = (typeof EXECUTION_FORMS)[keyof typeof EXECUTION_FORMS];

export interface ResourceOrigin {
  /** Display name of the input, e.g. `taskspawner.yaml`. */
  source: string;
  /** 1-based index of the (non-empty) document in the source. */
  document: number;
  /** Path inside the document when the resource was an item of a List or array, e.g. `items[2]`; else ''. */
  path: string;
  /** apiVersion as written by the user. */
  apiVersion: string;
  /** Only for Task and TaskSpawner. */
  executionForm?: ExecutionForm;
}

// ---------------------------------------------------------------------------------------------------------------
// Shared building blocks

export interface NameRef {
  name: string;
}
export type SecretReference = NameRef;
export type WorkspaceReference = NameRef;
export type AgentConfigReference = NameRef;
export type WorkerPoolReference = NameRef;

export interface Credentials {
  type: CredentialType;
  /** Present unless `type` is `none` (enforced by validation). */
  secretRef?: SecretReference;
}

export interface EnvVar {
  name: string;
  value?: string;
  /** Kubernetes EnvVarSource, verbatim. */
  valueFrom?: KubeObject;
}

export interface PodOverrides {
  labels?: Record<string, string>;
  resources?: KubeObject;
  activeDeadlineSeconds?: number;
  env?: EnvVar[];
  nodeSelector?: Record<string, string>;
  tolerations?: KubeObject[];
  affinity?: KubeObject;
  imagePullSecrets?: NameRef[];
  serviceAccountName?: string;
  volumes?: KubeObject[];
  volumeMounts?: KubeObject[];
  podSecurityContext?: KubeObject;
  containerSecurityContext?: KubeObject;
  extraContainers?: KubeObject[];
  extraInitContainers?: KubeObject[];
}

/** The effective execution environment of a Task (legacy flat fields already merged in). */
export interface Worker {
  type: AgentType;
  /**
   * Always set on a Task. On a TaskTemplate it may be absent when the spawner's `spec.credentials` pool supplies one
   * credential per created Task.
   */
  credentials?: Credentials;
  model?: string;
  effort?: string;
  image?: string;
  workspaceRef?: WorkspaceReference;
  agentConfigRefs?: AgentConfigReference[];
  podOverrides?: PodOverrides;
}

// ---------------------------------------------------------------------------------------------------------------
// Task

export interface TaskSpec {
  /** Set for inline execution (the only execution kelos-temporal runs today). */
  worker?: Worker & { credentials: Credentials };
  /** Set instead of `worker` when the Task is dispatched to a WorkerPool. */
  workerPoolRef?: WorkerPoolReference;
  prompt: string;
  dependsOn?: string[];
  branch?: string;
  upstreamRepo?: string;
  ttlSecondsAfterFinished?: number;
  podFailurePolicy?: KubeObject;
}

export interface TaskResource {
  kind: 'Task';
  metadata: ObjectMeta;
  spec: TaskSpec;
  /** Status as read back from a `kubectl get -o yaml` dump; kept verbatim, never interpreted here. */
  status?: KubeObject;
  origin: ResourceOrigin;
}

// ---------------------------------------------------------------------------------------------------------------
// Workspace

export interface WorkspaceSpec {
  repo: string;
  ref?: string;
  secretRef?: SecretReference;
  /** `{}` enables the workspace-scoped GitHub read proxy. */
  ghproxy?: Record<string, never>;
  remotes?: { name: string; url: string }[];
  files?: { path: string; content: string }[];
  setupCommand?: string[];
}

export interface WorkspaceResource {
  kind: 'Workspace';
  metadata: ObjectMeta;
  spec: WorkspaceSpec;
  origin: ResourceOrigin;
}

// ---------------------------------------------------------------------------------------------------------------
// AgentConfig

export const MCP_SERVER_TYPES = ['stdio', 'http', 'sse'] as const;
export type McpServerType = (typeof MCP_SERVER_TYPES)[number];

export interface McpServer {
  name: string;
  type: McpServerType;
  command?: string;
  args?: string[];
  url?: string;
  headers?: Record<string, string>;
  headersFrom?: { secretRef: SecretReference };
  /** v1alpha1's `map[string]string` env is converted to `[{name, value}]` sorted by name. */
  env?: EnvVar[];
  envFrom?: { secretRef: SecretReference };
}

export interface AgentConfigSpec {
  agentsMD?: string;
  plugins?: {
    name: string;
    skills?: { name: string; content: string }[];
    agents?: { name: string; content: string }[];
  }[];
  skills?: { source: string; skill?: string; secretRef?: SecretReference }[];
  mcpServers?: McpServer[];
}

export interface AgentConfigResource {
  kind: 'AgentConfig';
  metadata: ObjectMeta;
  spec: AgentConfigSpec;
  origin: ResourceOrigin;
}

// ---------------------------------------------------------------------------------------------------------------
// Secret (core v1): the credential files of the Kelos examples

export interface SecretResource {
  kind: 'Secret';
  metadata: ObjectMeta;
  /** Defaults to `Opaque`. */
  type: string;
  /** `data` (base64-decoded as UTF-8) merged with `stringData`; `stringData` wins, as in Kubernetes. */
  data: Record<string, string>;
  immutable?: boolean;
  origin: ResourceOrigin;
}

// ---------------------------------------------------------------------------------------------------------------
// TaskSpawner sources

export const ISSUE_STATES = ['open', 'closed', 'all'] as const;
export type IssueState = (typeof ISSUE_STATES)[number];
export const ISSUE_TYPES = ['issues', 'pulls'] as const;
export type IssueType = (typeof ISSUE_TYPES)[number];
export const REVIEW_STATES = ['approved', 'changes_requested', 'any'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];
export const PERMISSIONS = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];
export const COMMENT_MODES = ['PerTask', 'Sticky'] as const;
export type CommentMode = (typeof COMMENT_MODES)[number];
export const CHECK_CONCLUSIONS = [
  'success',
  'failure',
  'cancelled',
  'timed_out',
  'action_required',
  'neutral',
  'skipped',
  'stale',
] as const;
export type CheckConclusion = (typeof CHECK_CONCLUSIONS)[number];
export const COMMENT_ON = ['Issue', 'PullRequest'] as const;
export type CommentOn = (typeof COMMENT_ON)[number];
export const LINEAR_ACTIONS = ['create', 'update', 'remove'] as const;
export type LinearAction = (typeof LINEAR_ACTIONS)[number];
export const BOT_MESSAGE_POLICIES = ['None', 'All', 'OthersOnly'] as const;
export type BotMessagePolicy = (typeof BOT_MESSAGE_POLICIES)[number];

/** Every source key of `spec.when`, in Kelos's spawner precedence order. */
export const SOURCE_KINDS = [
  'githubIssues',
  'githubPullRequests',
  'jira',
  'cron',
  'githubWebhook',
  'linearWebhook',
  'webhook',
  'slack',
] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** Sources that Kelos polls; they carry a poll interval. */
export const POLLING_SOURCES = ['githubIssues', 'githubPullRequests', 'jira'] as const;

export interface PollInterval {
  /** As written (or the copied v1alpha1 `spec.pollInterval`, or the default `5m`). */
  pollInterval: string;
  /** Parsed: Go duration, or a bare integer meaning seconds. */
  pollIntervalMs: number;
}

export interface CommentPolicy {
  triggerComment?: string;
  excludeComments?: string[];
  allowedUsers?: string[];
  /** `org/team-slug`. */
  allowedTeams?: string[];
  minimumPermission?: Permission;
}

/** Present only when some reporting is on. */
export interface GitHubReporting {
  /** Status comments; from `comments:` or the deprecated `enabled: true`. */
  comments?: { mode: CommentMode };
  /** Check Runs; `name` empty means `Kelos: <spawner>`. */
  checks?: { name?: string };
}

export interface FilePatterns {
  include?: string[];
  exclude?: string[];
}

export interface GitHubIssuesSource extends PollInterval {
  /** `owner/repo` or a URL; empty = derived from the workspace. */
  repo?: string;
  types: IssueType[];
  labels?: string[];
  excludeLabels?: string[];
  state: IssueState;
  commentPolicy?: CommentPolicy;
  assignee?: string;
  author?: string;
  excludeAuthors?: string[];
  priorityLabels?: string[];
  reporting?: GitHubReporting;
}

export interface GitHubPullRequestsSource extends PollInterval {
  repo?: string;
  labels?: string[];
  excludeLabels?: string[];
  state: IssueState;
  reviewState: ReviewState;
  commentPolicy?: CommentPolicy;
  author?: string;
  excludeAuthors?: string[];
  draft?: boolean;
  priorityLabels?: string[];
  reporting?: GitHubReporting;
  filePatterns?: FilePatterns;
}

export interface JiraSource extends PollInterval {
  baseUrl: string;
  project: string;
  jql?: string;
  secretRef: SecretReference;
}

export interface CronSource {
  schedule: string;
}

export interface GitHubWebhookFilter {
  event: string;
  action?: string;
  bodyContains?: string;
  bodyPattern?: string;
  excludeBodyPatterns?: string[];
  labels?: string[];
  excludeLabels?: string[];
  state?: string;
  branch?: string;
  tag?: string;
  draft?: boolean;
  commentOn?: CommentOn;
  author?: string;
  excludeAuthors?: string[];
  filePatterns?: FilePatterns;
  conclusion?: CheckConclusion;
  checkName?: string;
}

export interface GitHubWebhookSource {
  events: string[];
  repository?: string;
  excludeAuthors?: string[];
  filters?: GitHubWebhookFilter[];
  reporting?: GitHubReporting;
}

export interface LinearWebhookSource {
  types: string[];
  filters?: {
    type?: string;
    action?: LinearAction;
    states?: string[];
    labels?: string[];
    excludeLabels?: string[];
  }[];
}

/** Exactly one of `value` / `pattern` is set. */
export interface GenericWebhookFilter {
  field: string;
  value?: string;
  pattern?: string;
}

export interface GenericWebhookSource {
  source: string;
  /** Template variable → JSONPath; always contains `id`. */
  fieldMapping: Record<string, string>;
  filters?: GenericWebhookFilter[];
  excludeFilters?: GenericWebhookFilter[];
}

export interface SlackSource {
  channels?: string[];
  botMessagePolicy?: BotMessagePolicy;
  triggers?: { pattern?: string; mentionOptional?: boolean }[];
  excludePatterns?: string[];
}

/** Exactly one source is set; `TaskSpawnerSpec.source` names it. */
export interface When {
  githubIssues?: GitHubIssuesSource;
  githubPullRequests?: GitHubPullRequestsSource;
  jira?: JiraSource;
  cron?: CronSource;
  githubWebhook?: GitHubWebhookSource;
  linearWebhook?: LinearWebhookSource;
  webhook?: GenericWebhookSource;
  slack?: SlackSource;
}

// ---------------------------------------------------------------------------------------------------------------
// TaskTemplate and TaskSpawner

export interface ContextSource {
  /** `.Context.<name>`; `^[a-zA-Z][a-zA-Z0-9_]*$`, at most 64 characters. */
  name: string;
  http: {
    url: string;
    method: 'GET' | 'POST';
    headers?: Record<string, string>;
    headersFrom?: { header: string; secretName: string; secretKey: string }[];
    githubAppAuth?: { secretRef: SecretReference; apiBaseURL?: string };
    body?: string;
    responseFilter?: { type: 'JSONPath'; expression: string };
    allowInsecure: boolean;
    timeoutSeconds: number;
    maxResponseBytes: number;
  };
  failurePolicy: 'Fail' | 'Ignore';
}

export interface TaskTemplate {
  /** Effective worker for inline execution (credentials may come from `spec.credentials` instead). */
  worker?: Worker;
  workerPoolRef?: WorkerPoolReference;
  /**
   * Only with `workerPoolRef`: the workspace the spawner polls GitHub through (Kelos example 15). Kelos's CEL
   * rejects this combination although its own example uses it; we accept it.
   */
  discoveryWorkspaceRef?: WorkspaceReference;
  /** Go template; defaults to `{{.Title}}`. */
  promptTemplate: string;
  branch?: string;
  nameTemplate?: string;
  dependsOn?: string[];
  ttlSecondsAfterFinished?: number;
  podFailurePolicy?: KubeObject;
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  contextSources?: ContextSource[];
  upstreamRepo?: string;
}

export interface SpawnerCredential {
  /** DNS label, at most 63 characters. */
  name: string;
  type: 'api-key' | 'oauth';
  secretRef: SecretReference;
}

export interface TaskSpawnerSpec {
  /** The one configured source. */
  source: SourceKind;
  when: When;
  taskTemplate: TaskTemplate;
  credentials?: SpawnerCredential[];
  /** Unset or 0 = unlimited. */
  maxConcurrency?: number;
  /** Unset or 0 = unlimited. */
  maxTotalTasks?: number;
  suspend: boolean;
}

export interface TaskSpawnerResource {
  kind: 'TaskSpawner';
  metadata: ObjectMeta;
  spec: TaskSpawnerSpec;
  status?: KubeObject;
  origin: ResourceOrigin;
}

export type KelosResource =
  | TaskResource
  | TaskSpawnerResource
  | WorkspaceResource
  | AgentConfigResource
  | TaskBudgetResource
  | WorkerPoolResource
  | SecretResource;

/**
 * WorkerPool: `replicas` long-lived members, each with its own persistent checkout, that run the Tasks naming the
 * pool (`workerPoolRef`) one at a time. The pool's `worker` says how (type, credentials, model, workspace, ...).
 */
export interface WorkerPoolResource {
  kind: 'WorkerPool';
  metadata: ObjectMeta;
  spec: {
    worker: {
      type: AgentType;
      credentials: Credentials;
      model?: string;
      effort?: string;
      image?: string;
      workspaceRef: NameRef;
      agentConfigRefs?: NameRef[];
      podOverrides?: PodOverrides;
    };
    /** Kelos's default 1; 0 pauses the pool. */
    replicas: number;
    volumeClaimTemplate: KubeObject;
  };
  origin: ResourceOrigin;
}

/** A Kubernetes label selector (`matchLabels` AND every `matchExpressions` entry); `{}` selects everything. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/**
 * TaskBudget: a ceiling on the observed spend (cost and tokens reported by finished Tasks) of the Tasks its selector
 * matches, per period; a matching Task waits while the period's spend is at or over a limit.
 */
export interface TaskBudgetResource {
  kind: 'TaskBudget';
  metadata: ObjectMeta;
  spec: {
    taskSelector: LabelSelector;
    period: { type: 'Daily'; timezone: string };
    /** A decimal amount of US dollars, as written (Kelos: a Quantity), e.g. "25" or "12.50". */
    maxCostUSD?: string;
    maxInputTokens?: number;
    maxOutputTokens?: number;
  };
  origin: ResourceOrigin;
}
