import { Command } from 'commander';
import type { StoredKind } from '../../../store/stored-resource';
import { kelosHome } from '../../../host/data-dir';
import { LocalSecretStore } from '../../../host/secret-store';
import { KelosApi, KelosError } from '../../kelos-api';
import { GlobalOptions, connectApi } from '../connection';
import { CliKind, resolveKind } from '../kinds';

/** As Kelos words it when `--all` finds nothing. */
const PLURALS: Record<Exclude<CliKind, 'Secret'>, string> = { Task: 'tasks', TaskSpawner: 'task spawners', Workspace: 'workspaces', AgentConfig: 'agent configs', TaskBudget: 'task budgets', TaskRecord: 'task records', WorkerPool: 'worker pools' };

/** Deletions of `--all` that run at once: each waits for Temporal to remove an execution, mostly idle time. */
const PARALLEL_DELETIONS = 8;

export function deleteCommand(globals: () => GlobalOptions): Command {
  return new Command('delete')
    .description('delete a task (stopping its agent), taskspawner (its running tasks finish), workspace, agentconfig, taskbudget, taskrecord, workerpool or secret; --all: every one of that kind in the namespace')
    .argument('<kind>', 'task | taskspawner | workspace | agentconfig | taskbudget | taskrecord | workerpool | secret')
    .argument('[name]')
    .option('--all', 'delete every object of this kind in the namespace')
    .action(async (kindArg: string, name: string | undefined, opts: { all?: boolean }) => {
      const kind = resolveKind(kindArg);
      const label = kind.toLowerCase();
      if (opts.all && name) throw new KelosError(`cannot specify ${label} name with --all`);
      if (!opts.all && !name) throw new KelosError(`${label} name is required (or use --all)`);
      const g = globals();
      if (kind === 'Secret') {
        const store = new LocalSecretStore(kelosHome());
        const names = opts.all ? store.list(g.namespace).map((s) => s.name).sort() : [name!];
        if (!names.length) return void console.log('No secrets found');
        for (const secret of names) {
          if (!store.delete(g.namespace, secret)) throw new KelosError(`secret "${secret}" not found in namespace "${g.namespace}"`);
          console.log(`secret/${secret} deleted`);
        }
        return;
      }
      const { api, close } = await connectApi(g);
      try {
        if (!opts.all) {
          await deleteOne(api, kind, g.namespace, name!);
          console.log(`${label}/${name} deleted`);
          return;
        }
        const names = await namesOf(api, kind, g.namespace);
        if (!names.length) return void console.log(`No ${PLURALS[kind]} found`);
        await deleteInOrder(names, (n) => deleteOne(api, kind, g.namespace, n), (n) => console.log(`${label}/${n} deleted`));
      } finally {
        await close();
      }
    });
}

async function namesOf(api: KelosApi, kind: Exclude<CliKind, 'Secret'>, namespace: string): Promise<string[]> {
  if (kind === 'Task') return (await api.listTasks(namespace)).map((t) => t.metadata.name);
  if (kind === 'TaskSpawner') return (await api.listSpawners(namespace)).map((s) => s.metadata.name);
  return (await api.listStoredResources(kind as StoredKind, namespace)).map((r) => r.metadata.name);
}

async function deleteOne(api: KelosApi, kind: Exclude<CliKind, 'Secret'>, namespace: string, name: string): Promise<void> {
  if (kind === 'Task') {
    // Temporal removes executions asynchronously: say what the wait is for when it is long.
    const slow = setTimeout(() => process.stderr.write(`task/${name}: removing its agent's leftovers and waiting for Temporal to remove the workflow...\n`), 3_000);
    await api.deleteTask(namespace, name).finally(() => clearTimeout(slow));
  } else if (kind === 'TaskSpawner') await api.deleteSpawner(namespace, name);
  else await api.deleteStoredResource(kind as StoredKind, namespace, name);
}

/**
 * Up to PARALLEL_DELETIONS at a time, each name reported in listing order once it is gone; the first failure stops
 * further starts and is thrown once the ones under way have ended.
 */
async function deleteInOrder(names: string[], remove: (name: string) => Promise<void>, report: (name: string) => void): Promise<void> {
  const results: Promise<void>[] = [];
  let failed = false;
  for (let i = 0; i < names.length; i += 1) {
    if (i >= PARALLEL_DELETIONS) {
      await results[i - PARALLEL_DELETIONS].catch(() => undefined);
      if (failed) break;
    }
    const removal = remove(names[i]).catch((err: unknown) => {
      failed = true;
      throw err;
    });
    removal.catch(() => undefined); // handled below, in order; never an unhandled rejection meanwhile
    results.push(removal);
  }
  for (let i = 0; i < results.length; i += 1) {
    await results[i].catch((err: unknown) => {
      throw new KelosError(`deleting ${names[i]}: ${err instanceof Error ? err.message : String(err)}`);
    });
    report(names[i]);
  }
}
