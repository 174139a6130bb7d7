import { Command } from 'commander';
import { StoredKind, type StoredResource } from '../../../store/stored-resource';
import { TASK_PHASES } from '../../../task/task-status';
import { kelosHome } from '../../../host/data-dir';
import { LocalSecretStore } from '../../../host/secret-store';
import { ALL_NAMESPACES, KelosError, NamespaceScope, SpawnerObject, TaskObject, type WorkerPoolActivity } from '../../kelos-api';
import { spawnerDetail, storedResourceDetail, taskDetail } from '../detail';
import { writeOut } from '../flushed-exit';
import { GlobalOptions, connectApi } from '../connection';
import { age, parseOutputFormat, printObjects, printTable } from '../output';
import { resolveKind } from '../kinds';

export function getCommand(globals: () => GlobalOptions): Command {
  return new Command('get')
    .description('show tasks, taskspawners, workspaces, agentconfigs, taskbudgets, taskrecords, workerpools or secrets (table, or Kelos objects with -o json|yaml)')
    .argument('<kind>', 'tasks | taskspawners | workspaces | agentconfigs | taskbudgets | taskrecords | workerpools | secrets (singular and short forms work too)')
    .argument('[name]', 'one object by name')
    .option('-o, --output <format>', 'json | yaml')
    .option('-A, --all-namespaces', 'list across all namespaces (a NAMESPACE column first)')
    .option('-d, --detail', 'with NAME: the object as labelled lines (prompt, refs, times, results, conditions)')
    .option('--phase <phases>', 'only tasks in these phases, comma-separated (Pending,Running,Succeeded,Failed)')
    .option('--limit <n>', 'tasks and taskspawners: at most this many, the most recently created first (default: all)')
    .option('--chunk-size <n>', 'tasks and taskspawners: objects per request to Temporal', '1000')
    .action(async (kindArg: string, name: string | undefined, opts: GetOptions) => {
      const kind = resolveKind(kindArg);
      const format = parseOutputFormat(opts.output);
      const paging = { ...(opts.limit !== undefined ? { limit: positiveInteger('--limit', opts.limit) } : {}), pageSize: positiveInteger('--chunk-size', opts.chunkSize) };
      if (opts.allNamespaces && name) throw new KelosError('a resource cannot be retrieved by name across all namespaces (-A goes without NAME)');
      if (opts.detail && !name) throw new KelosError('-d/--detail shows one object: give its NAME');
      if (opts.detail && format !== 'table') throw new KelosError('-d/--detail and -o cannot be used together');
      const g = globals();
      const scope: NamespaceScope = opts.allNamespaces ? ALL_NAMESPACES : g.namespace;
      const table = <T extends Namespaced>(headers: string[], objects: T[], row: (o: T) => string[]) => namespacedTable(Boolean(opts.allNamespaces), headers, objects, row);
      if (kind === 'Secret') return getSecrets(scope, name, format, opts.detail);
      const { api, close } = await connectApi(g);
      try {
        if (kind === 'Task') {
          const phases = parsePhases(opts.phase);
          const tasks = name ? [await api.requireTask(g.namespace, name)] : await api.listTasks(scope, phases, {}, paging);
          if (format !== 'table') return printObjects(tasks, format, Boolean(name));
          if (opts.detail) return taskDetail(tasks[0]);
          await table(['NAME', 'TYPE', 'PHASE', 'BRANCH', 'AGE'], tasks, taskRow);
          if (name) printTaskDetails(tasks[0]);
          return;
        }
        if (kind === 'TaskSpawner') {
          const spawners = name ? [await api.getSpawner(g.namespace, name)] : await api.listSpawners(scope, paging);
          if (format !== 'table') return printObjects(spawners, format, Boolean(name));
          if (opts.detail) return spawnerDetail(spawners[0]);
          await table(['NAME', 'SOURCE', 'PHASE', 'ACTIVE', 'QUEUED', 'CREATED', 'LAST DISCOVERY'], spawners, spawnerRow);
          if (name) printSpawnerDetails(spawners[0]);
          return;
        }
        const resources = await api.listStoredResources(kind as StoredKind, scope);
        const selected = name ? resources.filter((r) => r.metadata.name === name) : resources;
        if (name && !selected.length) throw new KelosError(`${kind.toLowerCase()} "${name}" not found in namespace "${g.namespace}"`);
        if (format !== 'table') return printObjects(selected, format, Boolean(name));
        if (opts.detail) return storedResourceDetail(selected[0]);
        if (kind === 'Workspace') await table(['NAME', 'REPO', 'REF', 'AGE'], selected, (r: StoredResource) => [r.metadata.name, String(r.spec.repo ?? ''), String(r.spec.ref ?? ''), age(r.metadata.creationTimestamp)]);
        else if (kind === 'TaskBudget') await table(['NAME', 'PERIOD', 'COST', 'INPUT TOKENS', 'OUTPUT TOKENS', 'RESETS', 'AGE'], selected, budgetRow);
        else if (kind === 'TaskRecord') await table(['NAME', 'TASK', 'TYPE', 'PHASE', 'COST', 'AGE'], selected, recordRow);
        else if (kind === 'WorkerPool') {
          const openTasks = selected.length ? await api.listTasks(scope, ['Pending', 'Running']) : [];
          const rows = await Promise.all(selected.map(async (pool) => ({ pool, activity: await api.workerPoolActivity(pool.metadata.namespace, pool.metadata.name, openTasks) })));
          await table(['NAME', 'TYPE', 'REPLICAS', 'MEMBERS', 'BUSY', 'QUEUED', 'AGE'], rows.map((r) => ({ ...r, metadata: r.pool.metadata })), workerPoolRow);
        }
        else await table(['NAME', 'AGE'], selected, (r: StoredResource) => [r.metadata.name, age(r.metadata.creationTimestamp)]);
      } finally {
        await close();
      }
    });
}

type Namespaced = { metadata: { namespace: string } };

/** With -A, every row starts with its namespace, as kubectl and Kelos print it. */
function namespacedTable<T extends Namespaced>(allNamespaces: boolean, headers: string[], objects: T[], row: (o: T) => string[]): Promise<void> {
  if (!allNamespaces) return printTable(headers, objects.map(row));
  return printTable(['NAMESPACE', ...headers], objects.map((o) => [o.metadata.namespace, ...row(o)]));
}

interface GetOptions {
  output?: string;
  allNamespaces?: boolean;
  detail?: boolean;
  phase?: string;
  limit?: string;
  chunkSize: string;
}

/** Spent/limit in the current period (`-` where the budget sets no limit). */
function budgetRow(budget: StoredResource): string[] {
  const spec = budget.spec as { period?: { type?: string; timezone?: string }; maxCostUSD?: string; maxInputTokens?: number; maxOutputTokens?: number };
  const status = (budget.status ?? {}) as { used?: { costUSD?: string; inputTokens?: number; outputTokens?: number }; currentPeriodEnd?: string };
  const used = status.used ?? {};
  const of = (spent: string | number | undefined, limit: string | number | undefined) => (limit === undefined ? '-' : `${spent ?? 0}/${limit}`);
  return [
    budget.metadata.name,
    `${spec.period?.type ?? ''} ${spec.period?.timezone ?? 'UTC'}`,
    of(used.costUSD, spec.maxCostUSD),
    of(used.inputTokens, spec.maxInputTokens),
    of(used.outputTokens, spec.maxOutputTokens),
    status.currentPeriodEnd ?? '',
    age(budget.metadata.creationTimestamp),
  ];
}

/** Kelos's TaskRecord columns (its Cost column is the wide one; shown here, there is no -o wide). */
function recordRow(record: StoredResource): string[] {
  const spec = record.spec as { taskRef?: { name?: string }; type?: string; phase?: string; usage?: { costUSD?: string } };
  return [record.metadata.name, spec.taskRef?.name ?? '', spec.type ?? '', spec.phase ?? '', spec.usage?.costUSD ?? '', age(record.metadata.creationTimestamp)];
}

/** Kelos's TYPE and REPLICAS, then what Temporal shows: members polling or running, busy members, Tasks waiting. */
function workerPoolRow({ pool, activity }: { pool: StoredResource; activity: WorkerPoolActivity }): string[] {
  const spec = pool.spec as { worker?: { type?: string }; replicas?: number };
  return [pool.metadata.name, spec.worker?.type ?? '', String(spec.replicas ?? 1), String(activity.members.length), String(activity.busy), String(activity.queued), age(pool.metadata.creationTimestamp)];
}

function spawnerRow(spawner: SpawnerObject): string[] {
  const when = (spawner.spec?.when ?? {}) as Record<string, unknown>;
  const s = spawner.status;
  return [
    spawner.metadata.name,
    Object.keys(when)[0] ?? '',
    s.phase ?? '',
    String(s.activeTasks ?? 0),
    String(s.queueLength ?? 0),
    String(s.totalTasksCreated ?? 0),
    s.lastDiscoveryTime ? age(s.lastDiscoveryTime) : '<never>',
  ];
}

/** One spawner: its status message and any condition that is raised (source errors show here). */
function printSpawnerDetails(spawner: SpawnerObject): void {
  const s = spawner.status;
  if (s.message) process.stdout.write(`\nMessage: ${s.message}\n`);
  const poll = s.lastPoll;
  if (poll) process.stdout.write(`Last poll: ${age(poll.time)} ago, ${poll.requests} requests, ${poll.notModified} not modified (304), ${poll.points} rate-limit points${poll.queue ? `; polling state on the worker of queue ${poll.queue}` : ''}\n`);
  for (const condition of s.conditions ?? []) {
    if (condition.status === 'True' && condition.type !== 'Suspended') process.stdout.write(`${condition.type} (${condition.reason}): ${condition.message ?? ''}\n`);
  }
}

/** One Task: its message and conditions (e.g. whether reporting to GitHub works, with the comment's URL). */
function printTaskDetails(task: TaskObject): void {
  const s = task.status;
  if (s.message) process.stdout.write(`\nMessage: ${s.message}\n`);
  for (const condition of s.conditions ?? []) process.stdout.write(`${condition.type}=${condition.status} (${condition.reason}): ${condition.message ?? ''}\n`);
}

function taskRow(task: TaskObject): string[] {
  const spec = task.spec as { type?: string; branch?: string; worker?: { type?: string } };
  return [task.metadata.name, spec.worker?.type ?? spec.type ?? '', task.status.phase ?? '', spec.branch ?? '', age(task.metadata.creationTimestamp)];
}

function positiveInteger(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new KelosError(`invalid ${flag} "${value}": a whole number of at least 1`);
  return n;
}

function parsePhases(value: string | undefined): string[] {
  if (!value) return [];
  const phases = value.split(',').map((p) => p.trim()).filter(Boolean);
  for (const phase of phases) {
    if (!(TASK_PHASES as readonly string[]).includes(phase)) throw new KelosError(`invalid --phase "${phase}": use ${TASK_PHASES.join(', ')}`);
  }
  return phases;
}

async function getSecrets(scope: NamespaceScope, name: string | undefined, format: ReturnType<typeof parseOutputFormat>, detail?: boolean): Promise<void> {
  const store = new LocalSecretStore(kelosHome());
  const namespaces = scope === ALL_NAMESPACES ? store.namespaces() : [scope];
  const secrets = namespaces.flatMap((namespace) => store.list(namespace).map((s) => ({ ...s, namespace }))).filter((s) => !name || s.name === name);
  if (name && !secrets.length) throw new KelosError(`secret "${name}" not found in namespace "${String(scope)}"`);
  // Values are never printed: only the key names, like `kubectl describe secret`.
  const objects = secrets.map((s) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: s.name, namespace: s.namespace }, keys: s.keys }));
  if (format !== 'table') return printObjects(objects, format, Boolean(name));
  if (detail) return writeOut(`${'Name:'.padEnd(20)}${secrets[0].name}\n${'Namespace:'.padEnd(20)}${secrets[0].namespace}\n${'Keys:'.padEnd(20)}${secrets[0].keys.join(', ')}\n`);
  const all = scope === ALL_NAMESPACES;
  await printTable(all ? ['NAMESPACE', 'NAME', 'KEYS'] : ['NAME', 'KEYS'], secrets.map((s) => [...(all ? [s.namespace] : []), s.name, s.keys.join(',')]));
}
