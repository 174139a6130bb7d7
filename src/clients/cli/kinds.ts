import { KelosError } from '../kelos-api';

export type CliKind = 'Task' | 'TaskSpawner' | 'Workspace' | 'AgentConfig' | 'TaskBudget' | 'TaskRecord' | 'WorkerPool' | 'Secret';

const ALIASES: Record<string, CliKind> = {
  task: 'Task', tasks: 'Task',
  taskspawner: 'TaskSpawner', taskspawners: 'TaskSpawner', ts: 'TaskSpawner',
  workspace: 'Workspace', workspaces: 'Workspace', ws: 'Workspace',
  agentconfig: 'AgentConfig', agentconfigs: 'AgentConfig', ac: 'AgentConfig',
  taskbudget: 'TaskBudget', taskbudgets: 'TaskBudget', tb: 'TaskBudget',
  taskrecord: 'TaskRecord', taskrecords: 'TaskRecord', tr: 'TaskRecord',
  workerpool: 'WorkerPool', workerpools: 'WorkerPool', wp: 'WorkerPool',
  secret: 'Secret', secrets: 'Secret',
};

/** Accepts kubectl-style kind names: singular, plural, short, any case. */
export function resolveKind(value: string): CliKind {
  const kind = ALIASES[value.toLowerCase()];
  if (!kind) throw new KelosError(`unknown kind "${value}": use one of tasks, taskspawners, workspaces, agentconfigs, taskbudgets, taskrecords, workerpools, secrets`);
  return kind;
}
