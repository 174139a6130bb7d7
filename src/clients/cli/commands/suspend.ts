import { Command } from 'commander';
import { KelosError } from '../../kelos-api';
import { GlobalOptions, connectApi } from '../connection';
import { resolveKind } from '../kinds';

/** `kelos suspend|resume taskspawner NAME`: discovery, queue drain and cron ticks stop; running Tasks go on. */
function toggleCommand(verb: 'suspend' | 'resume', globals: () => GlobalOptions): Command {
  return new Command(verb)
    .description(verb === 'suspend' ? 'pause a taskspawner (running tasks and their reporting continue)' : 'resume a suspended taskspawner')
    .argument('<kind>', 'taskspawner')
    .argument('<name>')
    .action(async (kindArg: string, name: string) => {
      if (resolveKind(kindArg) !== 'TaskSpawner') throw new KelosError(`only taskspawners can be ${verb}ed`);
      const g = globals();
      const { api, close } = await connectApi(g);
      try {
        const status = await api.setSpawnerSuspended(g.namespace, name, verb === 'suspend');
        console.log(`taskspawner/${name} ${verb === 'suspend' ? 'suspended' : 'resumed'} (${status.activeTasks} active, ${status.queueLength} queued)`);
      } finally {
        await close();
      }
    });
}

export const suspendCommand = (globals: () => GlobalOptions) => toggleCommand('suspend', globals);
export const resumeCommand = (globals: () => GlobalOptions) => toggleCommand('resume', globals);
