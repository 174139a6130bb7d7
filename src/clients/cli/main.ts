/**
 * `kelos`: the command line of kelos-temporal, with Kelos-compatible commands and flags. It reads and writes
 * through Temporal (tasks and resources are workflows); errors print as one line, never a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { applyCommand } from './commands/apply';
import { deleteCommand } from './commands/delete';
import { bridgeCommand } from './commands/bridge';
import { codecServerCommand, encryptionKeyCommand } from './commands/codec-server';
import { completionCommand } from './commands/completion';
import { controllerCommand } from './commands/controller';
import { createCommand } from './commands/create';
import { devCommand } from './commands/dev';
import { getCommand } from './commands/get';
import { initCommand } from './commands/init';
import { logsCommand } from './commands/logs';
import { renderCommand } from './commands/render';
import { runCommand } from './commands/run';
import { setupCommand } from './commands/setup';
import { statusCommand } from './commands/status';
import { resumeCommand, suspendCommand } from './commands/suspend';
import { versionCommand } from './commands/version';
import { workerCommand } from './commands/worker';
import { GlobalOptions } from './connection';
import { loadConfigFile, type LoadedConfig } from './config-file';
import { PRIVATE_UMASK } from '../../host/data-dir';
import { ExitError } from './exit-error';
import { exitQuietlyOnClosedPipe, exitWhenFlushed } from './flushed-exit';

export function buildProgram(): Command {
  const program = new Command('kelos')
    .description('Kelos on Temporal: run AI coding agents as durable Tasks')
    .option('--address <host:port>', 'Temporal frontend address (env TEMPORAL_ADDRESS, profile address, default localhost:7233)')
    .option('--temporal-namespace <name>', 'Temporal namespace (env TEMPORAL_NAMESPACE, profile namespace, default "default")')
    .option('--api-key <key>', 'Temporal API key (env TEMPORAL_API_KEY, profile api_key; the variable keeps it out of the process list)')
    .option('--profile <name>', 'temporal.toml profile (env TEMPORAL_PROFILE, default "default"); TLS settings come from it or TEMPORAL_TLS_*')
    .option('--config-file <path>', 'temporal.toml to read (env TEMPORAL_CONFIG_FILE, default ~/.config/temporalio/temporal.toml)')
    .option('--task-queue <name>', 'task queue of the kelos workers (env KELOS_TASK_QUEUE, default "kelos")')
    .option('-n, --namespace <name>', 'Kelos namespace of the objects', 'default')
    .option('--config <path>', 'kelos config file: defaults for run and the namespace (default $KELOS_HOME/config.yaml, else ~/.kelos/config.yaml)')
    .option('--kubeconfig <path>', 'kubeconfig for what talks to Kubernetes (worker --runtime kubernetes, controller, logs of Pods); default KUBECONFIG, ~/.kube/config or in-cluster')
    .showHelpAfterError('(run `kelos --help` for usage)')
    .exitOverride();
  let loaded: LoadedConfig | undefined;
  const globals = (): GlobalOptions => withConfig(program, loaded);
  program.hook('preAction', (_program, command) => {
    applyGlobalKubeconfig(program.opts<{ kubeconfig?: string }>().kubeconfig, command);
    if (CONFIG_READERS.has(topCommandOf(program, command).name())) loaded = readConfig(program.opts<{ config?: string }>().config);
  });
  for (const make of [devCommand, workerCommand, bridgeCommand, controllerCommand, runCommand, createCommand, applyCommand, getCommand, logsCommand, deleteCommand, suspendCommand, resumeCommand, renderCommand, statusCommand, setupCommand] as ((g: () => GlobalOptions) => Command)[]) {
    program.addCommand(make(globals).exitOverride());
  }
  program.addCommand(initCommand(() => program.opts<{ config?: string }>().config).exitOverride());
  for (const make of [codecServerCommand, encryptionKeyCommand, versionCommand, completionCommand]) program.addCommand(make().exitOverride());
  return program;
}

/** The commands that act on Kelos objects read the config file (Kelos: all but init/install); servers do not. */
const CONFIG_READERS = new Set(['run', 'create', 'apply', 'get', 'logs', 'delete', 'suspend', 'resume']);

function topCommandOf(program: Command, command: Command): Command {
  let top = command;
  while (top.parent && top.parent !== program) top = top.parent;
  return top;
}

function readConfig(explicitPath: string | undefined): LoadedConfig {
  const loaded = loadConfigFile(explicitPath);
  for (const warning of loaded.warnings) process.stderr.write(`warning: ${warning}\n`);
  return loaded;
}

/** The global options, with the config file's namespace unless -n was given, and its defaults for `kelos run`. */
function withConfig(program: Command, loaded: LoadedConfig | undefined): GlobalOptions {
  const options = program.opts<GlobalOptions>();
  const namespace = program.getOptionValueSource('namespace') !== 'cli' && loaded?.config.namespace ? loaded.config.namespace : options.namespace;
  return { ...options, namespace, kelosConfig: loaded?.config ?? {} };
}

/**
 * `--kubeconfig` anywhere on the line (commander gives it to the program, as with every global option): a command
 * with a `--kubeconfig` of its own gets the path as if given to it, and KUBECONFIG points there for everything else
 * that loads the default kubeconfig, in this process and the ones it starts.
 */
function applyGlobalKubeconfig(kubeconfig: string | undefined, command: Command): void {
  if (!kubeconfig) return;
  process.env.KUBECONFIG = kubeconfig;
  if (command.options.some((o) => o.attributeName() === 'kubeconfig') && command.getOptionValue('kubeconfig') === undefined) {
    command.setOptionValueWithSource('kubeconfig', kubeconfig, 'cli');
  }
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ExitError) return err.code;
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.KELOS_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

/** The `kelos` executable: runs the command, then exits once its output has drained (bin/kelos.js). */
export function runCli(argv: string[]): void {
  // Before any command writes: files 0600, directories 0700, for this process and what it starts (the dev
  // server's SQLite database, agent logs, checkouts).
  process.umask(PRIVATE_UMASK);
  exitQuietlyOnClosedPipe();
  main(argv).then(exitWhenFlushed, () => exitWhenFlushed(1));
}

if (require.main === module) runCli(process.argv);
