/**
 * Prepares the agent CLI's user-level configuration under $HOME the way Kelos's images do before starting the
 * agent: AgentConfig `agentsMD` into the CLI's instruction file, MCP servers into its config, plugins as the CLI
 * expects them, and the per-agent effort/credential details. The caller gives the agent a HOME of its own, so
 * none of this touches the user's real configuration.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AgentType } from '../model/types';

export interface AgentHomeResult {
  /** Variables to add to the agent's environment. */
  env: Record<string, string>;
  /** The model argument to pass. */
  model?: string;
  /** claude-code's `--plugin-dir` arguments. */
  pluginDirs: string[];
  /** Non-fatal notes for stderr. */
  warnings: string[];
}

export function agentHomeDir(env: NodeJS.ProcessEnv): string {
  return env.HOME || os.homedir();
}

/** Where `KELOS_AGENTS_MD` ends up for each agent. */
export function instructionFile(agentType: AgentType, env: NodeJS.ProcessEnv): string {
  const home = agentHomeDir(env);
  switch (agentType) {
    case 'claude-code':
      return path.join(env.CLAUDE_CONFIG_DIR || path.join(home, '.claude'), 'CLAUDE.md');
    case 'codex':
      return path.join(env.CODEX_HOME || path.join(home, '.codex'), 'AGENTS.md');
    case 'gemini':
      return path.join(home, '.gemini', 'GEMINI.md');
    case 'opencode':
      return path.join(env.OPENCODE_CONFIG_DIR || path.join(home, '.config', 'opencode'), 'AGENTS.md');
    case 'cursor':
      return path.join(home, '.cursor', 'AGENTS.md');
  }
}

export function prepareAgentHome(agentType: AgentType, env: NodeJS.ProcessEnv, cwd: string): AgentHomeResult {
  const result: AgentHomeResult = { env: {}, model: env.KELOS_MODEL || undefined, pluginDirs: [], warnings: [] };
  const home = agentHomeDir(env);
  const agentsMD = env.KELOS_AGENTS_MD || undefined;
  const effort = env.KELOS_EFFORT || undefined;
  const mcp = env.KELOS_MCP_SERVERS || undefined;
  const plugins = listPlugins(env.KELOS_PLUGIN_DIR);
  const instructions = instructionFile(agentType, env);

  switch (agentType) {
    case 'claude-code': {
      if (agentsMD) writeFile(instructions, agentsMD);
      if (mcp) mergeMcpServers(env.CLAUDE_CONFIG_DIR ? path.join(env.CLAUDE_CONFIG_DIR, '.claude.json') : path.join(home, '.claude.json'), mcp);
      result.pluginDirs = plugins.map((p) => p.dir + path.sep);
      break;
    }
    case 'codex': {
      const codexHome = env.CODEX_HOME || path.join(home, '.codex');
      fs.mkdirSync(codexHome, { recursive: true });
      const configToml = path.join(codexHome, 'config.toml');
      if (env.CODEX_AUTH_JSON) {
        // codex reads OAuth credentials only from this file; it stays private to the agent's own HOME.
        writeFile(path.join(codexHome, 'auth.json'), env.CODEX_AUTH_JSON.replace(/[\r\n]/g, ''), 0o600);
        fs.appendFileSync(configToml, 'cli_auth_credentials_store = "file"\n');
      }
      if (agentsMD) writeFile(instructions, agentsMD);
      for (const plugin of plugins) {
        for (const skill of listSkills(plugin.dir)) copyDir(skill.dir, path.join(codexHome, 'skills', `${plugin.name}:${skill.name}`));
      }
      if (mcp) fs.appendFileSync(configToml, mcpServersToml(mcp), { mode: 0o600 });
      break;
    }
    case 'gemini': {
      const geminiDir = path.join(home, '.gemini');
      const settings = path.join(geminiDir, 'settings.json');
      let nativeEffort = false;
      if (effort && result.model) {
        const thinkingConfig = geminiThinkingConfig(result.model, effort);
        if (thinkingConfig) {
          // An override for the model, not a model alias: gemini applies an alias's config to the first request
          // only and goes on with the model's defaults after the first tool call (gemini-cli 0.61).
          const existing = readJson(settings);
          const modelConfigs = objectAt(existing, 'modelConfigs');
          const overrides = Array.isArray(modelConfigs.customOverrides) ? (modelConfigs.customOverrides as unknown[]) : [];
          overrides.push({ match: { model: result.model }, modelConfig: { generateContentConfig: { thinkingConfig } } });
          modelConfigs.customOverrides = overrides;
          writeFile(settings, JSON.stringify(existing, null, 2));
          nativeEffort = true;
        } else {
          result.warnings.push(`KELOS_EFFORT '${effort}' cannot be mapped to Gemini model '${result.model}'; using prompt steering`);
        }
      } else if (effort) {
        result.warnings.push('KELOS_EFFORT requires KELOS_MODEL for native Gemini config; using prompt steering');
      }
      writeSteeredInstructions(instructions, agentsMD, nativeEffort ? undefined : effort);
      // gemini turns --yolo back into prompting (and a headless run then stops at its first tool call) in a folder
      // it does not trust, which is every fresh checkout: the Task's own checkout is trusted, unless the user says.
      if (env.GEMINI_CLI_TRUST_WORKSPACE === undefined) result.env.GEMINI_CLI_TRUST_WORKSPACE = 'true';
      // Kelos's credential is an API key; without this, a GOOGLE_GEMINI_BASE_URL makes gemini pick its "gateway"
      // auth, which a headless run refuses ("Invalid auth method selected").
      if (env.GEMINI_API_KEY) setDefault(settings, ['security', 'auth', 'selectedType'], 'gemini-api-key');
      for (const plugin of plugins) {
        const extDir = path.join(geminiDir, 'extensions', plugin.name);
        writeFile(path.join(extDir, 'gemini-extension.json'), JSON.stringify({ name: plugin.name }));
        for (const sub of ['skills', 'agents']) {
          if (isDir(path.join(plugin.dir, sub))) copyDir(path.join(plugin.dir, sub), path.join(extDir, sub));
        }
      }
      if (mcp) {
        if (fs.existsSync(settings)) mergeMcpServers(settings, mcp);
        else writeFile(settings, mcp, 0o600);
      }
      break;
    }
    case 'opencode': {
      const configDir = env.OPENCODE_CONFIG_DIR || path.join(home, '.config', 'opencode');
      result.env.OPENCODE_CONFIG_DIR = configDir;
      fs.mkdirSync(configDir, { recursive: true });
      if (env.OPENCODE_API_KEY) {
        const { name, warning } = opencodeProviderKey(result.model);
        result.env[name] = env.OPENCODE_API_KEY;
        if (warning) result.warnings.push(warning);
      }
      if (effort) writeOpencodeEffort(path.join(configDir, 'opencode.json'), result.model, effort);
      if (agentsMD) writeFile(instructions, agentsMD);
      for (const plugin of plugins) {
        for (const skill of listSkills(plugin.dir)) copyDir(skill.dir, path.join(configDir, 'skills', `${plugin.name}:${skill.name}`));
        for (const agent of listAgentFiles(plugin.dir)) copyFile(agent.file, path.join(configDir, 'agents', path.basename(agent.file)));
      }
      break;
    }
    case 'cursor': {
      writeSteeredInstructions(instructions, agentsMD, effort);
      // Cursor discovers skills and rules only relative to the working directory.
      for (const plugin of plugins) {
        for (const skill of listSkills(plugin.dir)) copyDir(skill.dir, path.join(cwd, '.cursor', 'skills', `${plugin.name}:${skill.name}`));
        for (const agent of listAgentFiles(plugin.dir)) copyFile(agent.file, path.join(cwd, '.cursor', 'rules', `${plugin.name}-${agent.name}.mdc`));
      }
      if (mcp) mergeMcpServers(path.join(home, '.cursor', 'mcp.json'), mcp);
      break;
    }
  }
  return result;
}

/** Instructions plus, when the CLI has no native effort setting, a short effort section (gemini, cursor). */
function writeSteeredInstructions(file: string, agentsMD: string | undefined, effort: string | undefined): void {
  if (!agentsMD && !effort) return;
  let text = agentsMD ? `${agentsMD}\n` : '';
  if (effort) text += `\n# Kelos Effort\nUse ${effort} reasoning effort for this task.\n`;
  writeFile(file, text);
}

function geminiThinkingConfig(model: string, effort: string): Record<string, unknown> | undefined {
  const value = effort.toLowerCase();
  if (model.includes('gemini-3') || model.includes('3.')) {
    if (['minimal', 'low'].includes(value)) return { thinkingLevel: 'LOW' };
    if (['medium', 'high', 'xhigh', 'max'].includes(value)) return { thinkingLevel: 'HIGH' };
    return undefined;
  }
  if (model.includes('gemini-2.5') || model.includes('2.5')) {
    if (/^-?\d+$/.test(value)) return { thinkingBudget: Number(value) };
    const budgets: Record<string, number> = { minimal: 512, low: 1024, medium: 4096, high: 8192, xhigh: 16384, max: 24576 };
    return value in budgets ? { thinkingBudget: budgets[value] } : undefined;
  }
  return undefined;
}

/** opencode takes one key; Kelos maps it to the provider named by the model's `provider/` prefix. */
function opencodeProviderKey(model: string | undefined): { name: string; warning?: string } {
  if (!model) return { name: 'ANTHROPIC_API_KEY' };
  const provider = model.split('/')[0];
  const byProvider: Record<string, string> = {
    anthropic: 'ANTHROPIC_API_KEY',
    openai: 'OPENAI_API_KEY',
    google: 'GEMINI_API_KEY',
    groq: 'GROQ_API_KEY',
    xai: 'XAI_API_KEY',
    zai: 'ZHIPU_API_KEY',
    'zai-coding-plan': 'ZHIPU_API_KEY',
  };
  if (provider === 'opencode' || provider === 'zen') return { name: 'OPENCODE_API_KEY' };
  if (provider in byProvider) return { name: byProvider[provider] };
  return { name: 'ANTHROPIC_API_KEY', warning: `Unrecognized provider prefix '${provider}' in KELOS_MODEL, defaulting to Anthropic` };
}

function writeOpencodeEffort(file: string, envModel: string | undefined, effort: string): void {
  const existing = readJson(file);
  const model = envModel || (typeof existing.model === 'string' ? existing.model : undefined);
  const provider = model ? model.split('/')[0] : '';
  const value = effort.toLowerCase();
  let variant = value;
  if (provider === 'anthropic') variant = value === 'max' || value === 'xhigh' ? 'max' : 'high';
  else if (provider === 'google') variant = value === 'minimal' || value === 'low' ? 'low' : 'high';
  if (model) existing.model = model;
  const agents = objectAt(existing, 'agent');
  const build = objectAt(agents, 'build');
  Object.assign(build, { mode: 'primary', variant, options: { ...objectAt(build, 'options'), reasoningEffort: effort } });
  if (model) build.model = model;
  writeFile(file, JSON.stringify(existing, null, 2));
}

/** `KELOS_MCP_SERVERS` is `{"mcpServers": {...}}` (.mcp.json shape); later entries win per server name. */
function mergeMcpServers(file: string, mcpJson: string): void {
  const existing = readJson(file);
  existing.mcpServers = { ...objectAt(existing, 'mcpServers'), ...mcpServers(mcpJson) };
  writeFile(file, JSON.stringify(existing, null, 2), 0o600);
}

function mcpServers(mcpJson: string): Record<string, Record<string, unknown>> {
  const parsed = JSON.parse(mcpJson) as { mcpServers?: Record<string, Record<string, unknown>> };
  return parsed && typeof parsed.mcpServers === 'object' && parsed.mcpServers !== null ? parsed.mcpServers : {};
}

/** Codex reads MCP servers from TOML tables; JSON string literals are valid TOML basic strings. */
function mcpServersToml(mcpJson: string): string {
  let toml = '';
  for (const [name, server] of Object.entries(mcpServers(mcpJson))) {
    toml += `[mcp_servers.${JSON.stringify(name)}]\n`;
    if (server.command) toml += `command = ${JSON.stringify(server.command)}\n`;
    if (Array.isArray(server.args) && server.args.length) toml += `args = ${JSON.stringify(server.args)}\n`;
    if (server.url) toml += `url = ${JSON.stringify(server.url)}\n`;
    if (server.headers && typeof server.headers === 'object') toml += `http_headers = ${inlineTable(server.headers as Record<string, unknown>)}\n`;
    if (server.env && typeof server.env === 'object') toml += `env = ${inlineTable(server.env as Record<string, unknown>)}\n`;
    toml += '\n';
  }
  return toml;
}

function inlineTable(record: Record<string, unknown>): string {
  return `{ ${Object.entries(record).map(([k, v]) => `${JSON.stringify(k)} = ${JSON.stringify(v)}`).join(', ')} }`;
}

interface Plugin {
  name: string;
  dir: string;
}

function listPlugins(pluginRoot: string | undefined): Plugin[] {
  if (!pluginRoot || !isDir(pluginRoot)) return [];
  return subdirs(pluginRoot).map((name) => ({ name, dir: path.join(pluginRoot, name) }));
}

function listSkills(pluginDir: string): Plugin[] {
  const skillsDir = path.join(pluginDir, 'skills');
  if (!isDir(skillsDir)) return [];
  return subdirs(skillsDir)
    .map((name) => ({ name, dir: path.join(skillsDir, name) }))
    .filter((skill) => fs.existsSync(path.join(skill.dir, 'SKILL.md')));
}

function listAgentFiles(pluginDir: string): { name: string; file: string }[] {
  const agentsDir = path.join(pluginDir, 'agents');
  if (!isDir(agentsDir)) return [];
  return fs
    .readdirSync(agentsDir)
    .filter((f) => f.endsWith('.md') && fs.statSync(path.join(agentsDir, f)).isFile())
    .sort()
    .map((f) => ({ name: f.slice(0, -3), file: path.join(agentsDir, f) }));
}

function subdirs(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() || (entry.isSymbolicLink() && isDir(path.join(dir, entry.name))))
    .map((entry) => entry.name)
    .sort();
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function copyDir(from: string, to: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.cpSync(from, to, { recursive: true });
}

function copyFile(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
}

function writeFile(file: string, content: string, mode?: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, mode === undefined ? undefined : { mode });
  if (mode !== undefined) fs.chmodSync(file, mode);
}

function readJson(file: string): Record<string, unknown> {
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Sets a value at `keys` in a JSON settings file unless one is there already. */
function setDefault(file: string, keys: string[], value: unknown): void {
  const root = readJson(file);
  let node = root;
  for (const key of keys.slice(0, -1)) node = objectAt(node, key);
  const last = keys[keys.length - 1];
  if (node[last] !== undefined) return;
  node[last] = value;
  writeFile(file, JSON.stringify(root, null, 2));
}

/** The object at `record[key]`, created when missing or not an object. */
function objectAt(record: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = record[key];
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  const created: Record<string, unknown> = {};
  record[key] = created;
  return created;
}
