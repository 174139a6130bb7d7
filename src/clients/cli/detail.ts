/**
 * `kelos get KIND NAME -d`: one object as labelled lines (`Label:` padded to a column, further values of a list
 * under it), the fields a person looks for first, as Kelos's detail view shows them.
 */
import type { StoredResource } from '../../store/stored-resource';
import type { SpawnerObject, TaskObject } from '../kelos-api';
import { writeOut } from './flushed-exit';

const LABEL_WIDTH = 20;

type Field = [label: string, value: string | string[] | undefined];

function render(fields: Field[]): string {
  let text = '';
  for (const [label, value] of fields) {
    const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => v !== undefined && v !== '');
    values.forEach((v, i) => (text += `${(i === 0 ? `${label}:` : '').padEnd(LABEL_WIDTH)}${v}\n`));
  }
  return text;
}

interface TaskSpecView {
  type?: string;
  prompt?: string;
  model?: string;
  image?: string;
  branch?: string;
  dependsOn?: string[];
  credentials?: { type?: string; secretRef?: { name?: string } };
  workspaceRef?: { name?: string };
  agentConfigRefs?: { name?: string }[];
  ttlSecondsAfterFinished?: number;
  podOverrides?: { activeDeadlineSeconds?: number };
  worker?: Omit<TaskSpecView, 'worker' | 'prompt' | 'branch' | 'dependsOn'>;
}

/** The Task's spec in either form: the flat one or the `worker:` one (its fields win, as the worker runs them). */
function taskSpec(task: TaskObject): TaskSpecView {
  const spec = task.spec as TaskSpecView;
  return { ...spec, ...(spec.worker ?? {}) };
}

export function taskDuration(status: TaskObject['status'], now = Date.now()): string | undefined {
  if (!status.startTime) return undefined;
  const end = status.completionTime ? Date.parse(status.completionTime) : now;
  const seconds = Math.max(0, Math.round((end - Date.parse(status.startTime)) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h}h${m}m${s}s` : m ? `${m}m${s}s` : `${s}s`;
}

export function taskDetail(task: TaskObject): Promise<void> {
  const spec = taskSpec(task);
  const s = task.status;
  return writeOut(render([
    ['Name', task.metadata.name],
    ['Namespace', task.metadata.namespace],
    ['Type', spec.type],
    ['Phase', s.phase],
    ['Prompt', spec.prompt],
    ['Secret', spec.credentials?.secretRef?.name],
    ['Credential Type', spec.credentials?.type],
    ['Model', spec.model],
    ['Image', spec.image],
    ['Branch', spec.branch],
    ['Depends On', spec.dependsOn?.join(', ')],
    ['Workspace', spec.workspaceRef?.name],
    ['Agent Configs', spec.agentConfigRefs?.map((r) => r.name ?? '').join(', ')],
    ['TTL', spec.ttlSecondsAfterFinished !== undefined ? `${spec.ttlSecondsAfterFinished}s` : undefined],
    ['Timeout', spec.podOverrides?.activeDeadlineSeconds !== undefined ? `${spec.podOverrides.activeDeadlineSeconds}s` : undefined],
    ['Start Time', s.startTime],
    ['Completion Time', s.completionTime],
    ['Duration', taskDuration(s)],
    ['Message', s.message],
    ['Outputs', s.outputs],
    ['Results', Object.keys(s.results ?? {}).sort().map((k) => `${k}=${s.results![k]}`)],
    ['Conditions', (s.conditions ?? []).map((c) => `${c.type}=${c.status} (${c.reason})${c.message ? `: ${c.message}` : ''}`)],
  ]));
}

const SOURCE_NAMES: Record<string, string> = {
  githubIssues: 'GitHub Issues', githubPullRequests: 'GitHub Pull Requests', jira: 'Jira', cron: 'Cron',
  githubWebhook: 'GitHub Webhook', linearWebhook: 'Linear Webhook', genericWebhook: 'Generic Webhook',
};

export function spawnerDetail(spawner: SpawnerObject): Promise<void> {
  const spec = spawner.spec as { when?: Record<string, Record<string, unknown>>; taskTemplate?: TaskSpecView };
  const [sourceKey, source = {}] = Object.entries(spec.when ?? {})[0] ?? [];
  const list = (v: unknown) => (Array.isArray(v) && v.length ? `[${v.join(' ')}]` : undefined);
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const template = { ...(spec.taskTemplate ?? {}), ...(spec.taskTemplate?.worker ?? {}) };
  const s = spawner.status;
  return writeOut(render([
    ['Name', spawner.metadata.name],
    ['Namespace', spawner.metadata.namespace],
    ['Phase', s.phase],
    ['Workspace', template.workspaceRef?.name],
    ['Source', sourceKey ? (SOURCE_NAMES[sourceKey] ?? sourceKey) : undefined],
    ['Types', list(source.types)],
    ['State', text(source.state)],
    ['Labels', list(source.labels)],
    ['Review State', text(source.reviewState)],
    ['Project', text(source.project)],
    ['JQL', text(source.jql)],
    ['Schedule', text(source.schedule)],
    ['Events', list(source.events)],
    ['Repository', text(source.repository)],
    ['Webhook Source', text(source.source)],
    ['Task Type', template.type],
    ['Model', template.model],
    ['Poll Interval', text(source.pollInterval)],
    ['Active Tasks', String(s.activeTasks ?? 0)],
    ['Queued', String(s.queueLength ?? 0)],
    ['Tasks Created', String(s.totalTasksCreated ?? 0)],
    ['Last Discovery', s.lastDiscoveryTime],
    ['Message', s.message],
  ]));
}

/** Workspaces, AgentConfigs, TaskBudgets and TaskRecords: name, namespace, then the spec's main fields. */
export function storedResourceDetail(resource: StoredResource): Promise<void> {
  const spec = resource.spec as Record<string, unknown>;
  const named = (items: unknown, describe: (item: Record<string, unknown>) => string) => (Array.isArray(items) ? items.map((i) => describe(i as Record<string, unknown>)) : undefined);
  const fields: Field[] = [['Name', resource.metadata.name], ['Namespace', resource.metadata.namespace]];
  if (resource.kind === 'Workspace') {
    fields.push(['Repo', spec.repo as string], ['Ref', spec.ref as string], ['Secret', (spec.secretRef as { name?: string } | undefined)?.name]);
  } else if (resource.kind === 'AgentConfig') {
    const md = typeof spec.agentsMD === 'string' ? spec.agentsMD : undefined;
    fields.push(
      ['Agents MD', md && md.length > 80 ? `${md.slice(0, 80)}...` : md],
      ['Plugins', named(spec.plugins, (p) => String(p.name))],
      ['Skills', named(spec.skills, (k) => `${String(k.source)}${k.skill ? ` (skill=${String(k.skill)})` : ''}`)],
      ['MCP Servers', named(spec.mcpServers, (m) => `${String(m.name)} (${String(m.type)})`)],
    );
  } else {
    for (const [key, value] of Object.entries(spec)) fields.push([key, typeof value === 'object' ? JSON.stringify(value) : String(value)]);
  }
  return writeOut(render(fields));
}
