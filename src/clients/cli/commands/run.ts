import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import YAML from 'yaml';
import { parseGoDuration } from '../../../go';
import { AGENT_TYPES, CREDENTIAL_TYPES, EnvVar, TaskResource, TaskSpawnerResource } from '../../../model/types';
import { toKelosObject } from '../../../model';
import { manualRunTask } from '../../../spawner/manual-run';
import { RUNTIME_ANNOTATION, TASK_RUNTIMES, requestedRuntime } from '../../../task/runtime-queues';
import { KelosError } from '../../kelos-api';
import { GlobalOptions, connectApi } from '../connection';
import { collect } from '../options';
import { parseManifestText } from '../manifests';
import { readValuesFile } from '../values-file';
import { submitTask, watchTask } from '../task-submit';
import { runConfig } from '../run-config';

interface RunOptions {
  prompt?: string;
  promptFile?: string;
  type: string;
  model?: string;
  effort?: string;
  image?: string;
  name?: string;
  workspace?: string;
  agentConfig: string[];
  dependsOn: string[];
  yes?: boolean;
  branch?: string;
  timeout?: string;
  env: string[];
  secret?: string;
  credentialType: string;
  runtime?: string;
  watch?: boolean;
  dryRun?: boolean;
  from?: string;
  values?: string;
}

export function runCommand(globals: () => GlobalOptions): Command {
  return new Command('run')
    .description('create a Task that runs an agent once (Kelos-compatible flags)')
    .option('-p, --prompt <text>', 'the prompt')
    .option('--prompt-file <file>', 'read the prompt from a file, or - for stdin')
    .addOption(new Option('-t, --type <agent>', 'agent type').choices([...AGENT_TYPES]).default('claude-code'))
    .option('--model <model>', 'model passed to the agent (KELOS_MODEL)')
    .option('--effort <effort>', 'effort passed to the agent (KELOS_EFFORT)')
    .option('--image <path>', 'local runtime: an executable implementing the /kelos_entrypoint.sh contract')
    .option('--name <name>', 'Task name (default task-<random>)')
    .option('--workspace <name>', 'Workspace to clone for the agent')
    .option('--agent-config <name>', 'AgentConfig to apply (repeatable)', collect, [])
    .option('--depends-on <task>', 'a Task this one waits for (Waiting until it Succeeded; repeatable)', collect, [])
    .option('--branch <branch>', 'git branch the agent works on')
    .option('--timeout <duration>', 'stop the agent after this long (Go duration, e.g. 30m)')
    .option('--env <NAME=VALUE>', 'extra environment variable for the agent (repeatable)', collect, [])
    .option('--secret <name>', 'Secret holding the agent credential')
    .addOption(new Option('--credential-type <type>', 'credential type').choices([...CREDENTIAL_TYPES]).default('api-key'))
    .option('--runtime <kind>', 'run it on workers of this runtime only: local or kubernetes (sets the kelos.dev/runtime annotation)')
    .option('--from <taskspawner/NAME>', "run once from a TaskSpawner's template (no filters, limits or reporting)")
    .option('-f, --values <file>', 'with --from: template values as a YAML/JSON object (file or -)')
    .option('-w, --watch', 'wait and show the phase until the Task finishes')
    .option('--dry-run', 'print the Task manifest instead of creating it')
    .option('-y, --yes', 'replace a different kelos-credentials Secret or kelos-workspace Workspace from the config file without asking')
    .action(async (opts: RunOptions, command: Command) => {
      const g = globals();
      if (opts.from) return runFromSpawner(opts, command, g);
      if (opts.values) throw new KelosError('-f/--values only goes with --from taskspawner/NAME');
      const config = runConfig(g.kelosConfig ?? {}, opts, (key) => command.getOptionValueSource(key) === 'cli');
      const manifest = buildTaskManifest({ ...opts, ...config.options }, g.namespace, config.env);
      if (opts.dryRun) {
        process.stdout.write(YAML.stringify(manifest));
        return;
      }
      const [task] = parseManifestText(JSON.stringify(manifest), 'kelos run').resources as TaskResource[];
      const { api, close } = await connectApi(g);
      try {
        await config.provision(api, g.namespace, Boolean(opts.yes));
        await submitTask(api, task, 'cli');
        console.log(`task/${task.metadata.name} created`);
        if (opts.watch) process.exitCode = await watchTask(api, task.metadata.namespace, task.metadata.name);
      } finally {
        await close();
      }
    });
}

/** Per-Task flags make no sense with --from (Kelos rejects them too). */
const FROM_INCOMPATIBLE = ['prompt', 'promptFile', 'type', 'model', 'effort', 'image', 'name', 'workspace', 'agentConfig', 'dependsOn', 'branch', 'yes', 'timeout', 'env', 'secret', 'credentialType', 'runtime'];

async function runFromSpawner(opts: RunOptions, command: Command, g: GlobalOptions): Promise<void> {
  const given = FROM_INCOMPATIBLE.filter((key) => command.getOptionValueSource(key) === 'cli');
  if (given.length) throw new KelosError(`--from cannot be combined with ${given.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`);
  const match = /^(?:taskspawners?|ts)\/([^/]+)$/.exec(opts.from ?? '');
  if (!match) throw new KelosError(`invalid --from "${opts.from}": use taskspawner/NAME`);
  const values = opts.values ? readValuesFile(opts.values) : {};
  const { api, close } = await connectApi(g);
  try {
    const stored = await api.getSpawner(g.namespace, match[1]);
    const [spawner] = parseManifestText(JSON.stringify({ ...stored, status: undefined }), `taskspawner/${match[1]}`).resources as TaskSpawnerResource[];
    const task = manualRunTask(spawner, values, { now: `${new Date().toISOString().slice(0, 19)}Z`, suffix: randomSuffix(), pick: (n) => Math.floor(Math.random() * n) });
    if (opts.dryRun) {
      process.stdout.write(YAML.stringify(toKelosObject(task)));
      return;
    }
    await submitTask(api, task, 'manual');
    console.log(`task/${task.metadata.name} created`);
    if (opts.watch) process.exitCode = await watchTask(api, task.metadata.namespace, task.metadata.name);
  } finally {
    await close();
  }
}

/** `configEnv`: the config file's env, before the --env flags (a flag wins on the same name, keeping its place). */
export function buildTaskManifest(opts: RunOptions, namespace: string, configEnv: EnvVar[] = []): Record<string, unknown> {
  const prompt = readPrompt(opts);
  if (opts.credentialType !== 'none' && !opts.secret) {
    throw new KelosError('no credentials: set apiKey or oauthToken in the config file (kelos init), pass --secret NAME (a Secret applied with `kelos apply`) or --credential-type none');
  }
  const podOverrides: Record<string, unknown> = {};
  if (opts.timeout) {
    const ms = parseGoDuration(opts.timeout);
    if (ms < 1_000) throw new KelosError(`invalid --timeout "${opts.timeout}": must be at least 1s`);
    podOverrides.activeDeadlineSeconds = Math.ceil(ms / 1_000);
  }
  const env = [...configEnv, ...opts.env.map(parseEnvFlag)].filter((entry, i, all) => !all.slice(i + 1).some((later) => later.name === entry.name));
  if (env.length) podOverrides.env = env;
  const spec: Record<string, unknown> = {
    type: opts.type,
    prompt,
    credentials: { type: opts.credentialType, ...(opts.secret ? { secretRef: { name: opts.secret } } : {}) },
    ...(opts.model ? { model: opts.model } : {}),
    ...(opts.effort ? { effort: opts.effort } : {}),
    ...(opts.image ? { image: resolveImage(opts.image) } : {}),
    ...(opts.workspace ? { workspaceRef: { name: opts.workspace } } : {}),
    ...(opts.agentConfig.length ? { agentConfigRefs: opts.agentConfig.map((name) => ({ name })) } : {}),
    ...(opts.dependsOn.length ? { dependsOn: opts.dependsOn } : {}),
    ...(opts.branch ? { branch: opts.branch } : {}),
    ...(Object.keys(podOverrides).length ? { podOverrides } : {}),
  };
  const runtime = opts.runtime ? requestedRuntime({ [RUNTIME_ANNOTATION]: opts.runtime }) : undefined;
  if (typeof runtime === 'object') throw new KelosError(`invalid --runtime "${opts.runtime}": use ${TASK_RUNTIMES.join(' or ')}`);
  const metadata = { name: opts.name ?? randomTaskName(), namespace, ...(runtime ? { annotations: { [RUNTIME_ANNOTATION]: runtime } } : {}) };
  return { apiVersion: 'kelos.dev/v1alpha2', kind: 'Task', metadata, spec };
}

function readPrompt(opts: RunOptions): string {
  if (opts.prompt !== undefined && opts.promptFile !== undefined) throw new KelosError('--prompt and --prompt-file cannot be used together');
  if (opts.prompt !== undefined) {
    if (!opts.prompt.trim()) throw new KelosError('--prompt is empty');
    return opts.prompt;
  }
  if (opts.promptFile === undefined) throw new KelosError('a prompt is required: pass -p/--prompt or --prompt-file');
  const text = opts.promptFile === '-' ? fs.readFileSync(0, 'utf8').replace(/\n+$/, '') : readFileOrFail(opts.promptFile);
  if (!text.trim()) throw new KelosError(`prompt file ${opts.promptFile} is empty`);
  return text;
}

function readFileOrFail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    throw new KelosError(`cannot read prompt file ${file}`);
  }
}

function parseEnvFlag(value: string): { name: string; value: string } {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new KelosError(`invalid --env "${value}": use NAME=VALUE`);
  return { name: value.slice(0, eq), value: value.slice(eq + 1) };
}

/** The worker may run in another directory: a path given on the command line is made absolute. */
function resolveImage(image: string): string {
  const candidate = path.resolve(image);
  return fs.existsSync(candidate) ? candidate : image;
}

function randomTaskName(): string {
  return `task-${randomSuffix()}`;
}

function randomSuffix(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let suffix = '';
  for (let i = 0; i < 5; i += 1) suffix += alphabet[Math.floor(Math.random() * alphabet.length)];
  return suffix;
}
