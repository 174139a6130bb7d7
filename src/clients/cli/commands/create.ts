/**
 * `kelos create workspace|agentconfig NAME`: a Workspace or AgentConfig from flags, as Kelos's `create` builds them,
 * validated like a manifest and stored like `kelos apply` stores one; refused when the name is taken.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import YAML from 'yaml';
import type { AgentConfigResource, WorkspaceResource } from '../../../model/types';
import { kelosHome } from '../../../host/data-dir';
import { LocalSecretStore } from '../../../host/secret-store';
import { applyResource } from '../../apply-resource';
import { KelosError } from '../../kelos-api';
import { GlobalOptions, connectApi } from '../connection';
import { confirm } from '../confirm';
import { parseManifestText } from '../manifests';
import { collect } from '../options';

export function createCommand(globals: () => GlobalOptions): Command {
  const create = new Command('create').description('create a workspace or an agentconfig from flags');
  create.addCommand(
    new Command('workspace')
      .alias('ws')
      .description('create a Workspace (the git repository agents clone)')
      .argument('<name>')
      .requiredOption('--repo <url>', 'git repository URL')
      .option('--ref <ref>', 'branch, tag or commit to check out')
      .option('--secret <name>', 'Secret holding GITHUB_TOKEN for git')
      .option('--token <token>', 'GitHub token: stored as the Secret NAME-credentials (asks before replacing a different one)')
      .option('--dry-run', 'print the Workspace instead of creating it')
      .option('-y, --yes', 'replace an existing NAME-credentials Secret without asking')
      .action(async (name: string, opts: { repo: string; ref?: string; secret?: string; token?: string; dryRun?: boolean; yes?: boolean }) => {
        if (opts.secret && opts.token) throw new KelosError('cannot specify both --secret and --token');
        const g = globals();
        const secretName = opts.token ? `${name}-credentials` : opts.secret;
        const { manifest, workspace } = workspaceFromFlags(name, g.namespace, { ...opts, secretName }, 'kelos create workspace');
        if (opts.dryRun) return void process.stdout.write(YAML.stringify(manifest));
        await createStored(g, workspace, () => {
          if (opts.token) storeCredential(g.namespace, `${name}-credentials`, { GITHUB_TOKEN: opts.token }, Boolean(opts.yes));
        });
      })
      .exitOverride(),
  );
  create.addCommand(
    new Command('agentconfig')
      .alias('ac')
      .description('create an AgentConfig (instructions, plugin skills and agents, MCP servers, skills.sh packages)')
      .argument('<name>')
      .option('--agents-md <text>', 'agent instructions, or @FILE to read them from a file')
      .option('--skill <name=content>', 'a skill of the "kelos" plugin: NAME=CONTENT or NAME=@FILE (repeatable)', collect, [])
      .option('--agent <name=content>', 'an agent of the "kelos" plugin: NAME=CONTENT or NAME=@FILE (repeatable)', collect, [])
      .option('--mcp <name=json>', 'an MCP server: NAME=JSON or NAME=@FILE, e.g. gh=\'{"type":"http","url":"https://…"}\' (repeatable)', collect, [])
      .option('--skills-sh <source[:skill]>', 'a skills.sh package: SOURCE or SOURCE:SKILL, full git URLs too (repeatable)', collect, [])
      .option('--dry-run', 'print the AgentConfig instead of creating it')
      .action(async (name: string, opts: { agentsMd?: string; skill: string[]; agent: string[]; mcp: string[]; skillsSh: string[]; dryRun?: boolean }) => {
        const g = globals();
        const manifest = { apiVersion: 'kelos.dev/v1alpha2', kind: 'AgentConfig', metadata: { name, namespace: g.namespace }, spec: agentConfigSpec(opts) };
        const [config] = parseManifestText(JSON.stringify(manifest), 'kelos create agentconfig').resources as AgentConfigResource[];
        if (opts.dryRun) return void process.stdout.write(YAML.stringify(manifest));
        await createStored(g, config);
      })
      .exitOverride(),
  );
  return create;
}

/** A Workspace of a repository, ref and Secret, checked as a manifest named `source` is. */
export function workspaceFromFlags(name: string, namespace: string, opts: { repo: string; ref?: string; secretName?: string }, source: string): { manifest: Record<string, unknown>; workspace: WorkspaceResource } {
  const spec = { repo: opts.repo, ...(opts.ref ? { ref: opts.ref } : {}), ...(opts.secretName ? { secretRef: { name: opts.secretName } } : {}) };
  const manifest = { apiVersion: 'kelos.dev/v1alpha2', kind: 'Workspace', metadata: { name, namespace }, spec };
  const [workspace] = parseManifestText(JSON.stringify(manifest), source).resources as WorkspaceResource[];
  return { manifest, workspace };
}

/** Created, not updated: an existing object of that name is an error (`kelos apply` is the way to change one). */
async function createStored(g: GlobalOptions, resource: WorkspaceResource | AgentConfigResource, beforeCreate?: () => void): Promise<void> {
  const { api, close } = await connectApi(g);
  try {
    const label = resource.kind.toLowerCase();
    const existing = await api.listStoredResources(resource.kind, resource.metadata.namespace);
    if (existing.some((r) => r.metadata.name === resource.metadata.name)) throw new KelosError(`${label} "${resource.metadata.name}" already exists in namespace "${resource.metadata.namespace}"`);
    beforeCreate?.();
    await applyResource(api, resource);
    console.log(`${label}/${resource.metadata.name} created`);
  } finally {
    await close();
  }
}

/** Writes the Secret, asking first when one of that name holds something else (unless -y). */
export function storeCredential(namespace: string, name: string, data: Record<string, string>, yes: boolean): void {
  const store = new LocalSecretStore(kelosHome());
  const current = store.list(namespace).some((s) => s.name === name) ? store.get(namespace, name) : undefined;
  if (current && JSON.stringify(current) === JSON.stringify(data)) return;
  if (current) confirmReplace(`secret/${name}`, yes);
  store.put(namespace, name, data);
}

/** Kelos's question before an existing object is overwritten; no (or no answer) stops the command. */
export function confirmReplace(resource: string, yes: boolean): void {
  if (!yes && !confirm(`Resource ${resource} already exists. Override? [y/N]: `)) throw new KelosError('aborted');
}

function agentConfigSpec(opts: { agentsMd?: string; skill: string[]; agent: string[]; mcp: string[]; skillsSh: string[] }): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  if (opts.agentsMd) spec.agentsMD = content(opts.agentsMd, '--agents-md');
  if (opts.skill.length || opts.agent.length) {
    const entries = (values: string[], flag: string) => values.map((v) => {
      const [name, text] = nameAndValue(v, flag, 'NAME=CONTENT or NAME=@FILE');
      return { name, content: content(text, `${flag} ${name}`) };
    });
    spec.plugins = [{ name: 'kelos', ...(opts.skill.length ? { skills: entries(opts.skill, '--skill') } : {}), ...(opts.agent.length ? { agents: entries(opts.agent, '--agent') } : {}) }];
  }
  if (opts.mcp.length) {
    const seen = new Set<string>();
    spec.mcpServers = opts.mcp.map((v) => {
      const [name, text] = nameAndValue(v, '--mcp', 'NAME=JSON or NAME=@FILE');
      if (seen.has(name)) throw new KelosError(`duplicate --mcp server name "${name}"`);
      seen.add(name);
      return mcpServer(name, content(text, `--mcp ${name}`));
    });
  }
  if (opts.skillsSh.length) {
    const seen = new Set<string>();
    spec.skills = opts.skillsSh.map((v) => {
      if (seen.has(v)) throw new KelosError(`duplicate --skills-sh entry "${v}"`);
      seen.add(v);
      return skillsShPackage(v);
    });
  }
  return spec;
}

function nameAndValue(value: string, flag: string, shape: string): [string, string] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new KelosError(`invalid ${flag} "${value}": use ${shape}`);
  return [value.slice(0, eq), value.slice(eq + 1)];
}

/** The text itself, or with a leading @ the content of that file (~ is the home directory), trailing newlines dropped. */
export function content(value: string, flag: string): string {
  if (!value.startsWith('@')) return value;
  const file = value.slice(1).replace(/^~(?=$|\/)/, os.homedir());
  try {
    return fs.readFileSync(path.resolve(file), 'utf8').replace(/\n+$/, '');
  } catch (err) {
    throw new KelosError(`${flag}: cannot read ${value.slice(1)}: ${(err as Error).message}`);
  }
}

/** The JSON of one server; its `env` may be a `{NAME: VALUE}` map (made the list, sorted) or the list itself. */
function mcpServer(name: string, json: string): Record<string, unknown> {
  let server: Record<string, unknown>;
  try {
    server = JSON.parse(json) as Record<string, unknown>;
  } catch (err) {
    throw new KelosError(`invalid --mcp "${name}" JSON: ${(err as Error).message}`);
  }
  if (typeof server !== 'object' || server === null || Array.isArray(server)) throw new KelosError(`invalid --mcp "${name}": a JSON object is required`);
  const env = server.env;
  if (env && typeof env === 'object' && !Array.isArray(env)) {
    server = { ...server, env: Object.keys(env).sort().map((key) => ({ name: key, value: String((env as Record<string, unknown>)[key]) })) };
  }
  return { name, ...server };
}

/** SOURCE or SOURCE:SKILL; a colon followed by a path (a URL's port) belongs to the source. */
function skillsShPackage(value: string): { source: string; skill?: string } {
  const colon = value.lastIndexOf(':');
  if (colon < 0 || value.slice(colon + 1).includes('/')) return { source: value };
  const [source, skill] = [value.slice(0, colon), value.slice(colon + 1)];
  if (!source) throw new KelosError(`invalid --skills-sh "${value}": the source is empty`);
  if (!skill) throw new KelosError(`invalid --skills-sh "${value}": the skill after the colon is empty`);
  return { source, skill };
}
