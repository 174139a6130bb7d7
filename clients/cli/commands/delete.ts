import { Command } from 'commander';
import { kelosHome } from '../../../host/data-dir';
import { LocalSecretStore } from '../../../host/secret-store';
import { KelosError } from '../../kelos-api';
import { GlobalOptions, connectApi } from '../connection';
import { resolveKind } from '../kinds';

export function deleteCommand(globals: () => GlobalOptions): Command {
  return new Command('delete')
    .description('delete a task (stopping its agent), taskspawner (its running tasks finish), workspace, agentconfig or secret')
    .argument('<kind>', 'task | taskspawner | workspace | agentconfig | secret')
    .argument('<name>')
    .action(async (kindArg: string, name: string) => {
      const kind = resolveKind(kindArg);
      const g = globals();
      if (kind === 'Secret') {
        if (!new LocalSecretStore(kelosHome()).delete(g.namespace, name)) throw new KelosError(`secret "${name}" not found in namespace "${g.namespace}"`);
        console.log(`secret/${name} deleted`);
        return;
      }
      const { api, close } = await connectApi(g);
      try {
        if (kind === 'Task') {
          // Temporal removes executions asynchronously: say what the wait is for when it is long.
          const slow = setTimeout(() => process.stderr.write(`task/${name}: removing its agent's leftovers and waiting for Temporal to remove the workflow...\n`), 3_000);
          await api.deleteTask(g.namespace, name).finally(() => clearTimeout(slow));
        }
        else if (kind === 'TaskSpawner') await api.deleteSpawner(g.namespace, name);
        else await api.deleteStoredResource(kind, g.namespace, name);
        console.log(`${kind.toLowerCase()}/${name} deleted`);
      } finally {
        await close();
      }
    });
}
