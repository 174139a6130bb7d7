/**
 * Builds `KELOS_MCP_SERVERS` the way Kelos's controller does: `.mcp.json` shape `{"mcpServers": {name: {...}}}`,
 * with `headersFrom` secret data merged over `headers`, and `env` resolved (literal values, secret keys, then
 * `envFrom` secret data overriding). The entrypoint (agent-home.ts) reads this shape. Secret values only pass
 * through here on their way into the agent's environment; nothing is logged.
 */
import type { McpServer } from '../../api/resources/model';

/** A secret's data by name; throws when the secret does not exist. */
export type SecretReader = (name: string) => Record<string, string>;

interface McpServerJson {
  type?: string;
  command?: string;
  args?: string[];
  url?: string;
  headers?: Record<string, string>;
  env?: Record<string, string>;
}

export function kelosMcpServersJson(servers: readonly McpServer[], readSecret: SecretReader): string {
  const byName: Record<string, McpServerJson> = {};
  for (const server of servers) {
    const headers = { ...(server.headers ?? {}), ...(server.headersFrom ? readSecret(server.headersFrom.secretRef.name) : {}) };
    const env = resolveEnv(server, readSecret);
    const entry: McpServerJson = {};
    if (server.type) entry.type = server.type;
    if (server.command) entry.command = server.command;
    if (server.args?.length) entry.args = server.args;
    if (server.url) entry.url = server.url;
    if (Object.keys(headers).length) entry.headers = sorted(headers);
    if (Object.keys(env).length) entry.env = sorted(env);
    // Later servers of the same name win, as when Kelos merges several AgentConfigs.
    byName[server.name] = entry;
  }
  return JSON.stringify({ mcpServers: byName });
}

function resolveEnv(server: McpServer, readSecret: SecretReader): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of server.env ?? []) {
    const value = envValue(server.name, entry, readSecret);
    if (value !== undefined) env[entry.name] = value;
  }
  if (server.envFrom) Object.assign(env, readSecret(server.envFrom.secretRef.name));
  return env;
}

/** Literal value, or a secret key (only secretKeyRef is available locally); undefined for a missing optional ref. */
function envValue(serverName: string, entry: NonNullable<McpServer['env']>[number], readSecret: SecretReader): string | undefined {
  const from = entry.valueFrom as { secretKeyRef?: { name?: string; key?: string; optional?: boolean }; configMapKeyRef?: { optional?: boolean } } | undefined;
  if (!from) return entry.value ?? '';
  if (from.secretKeyRef) {
    const { name = '', key = '', optional } = from.secretKeyRef;
    let data: Record<string, string>;
    try {
      data = readSecret(name);
    } catch (err) {
      if (optional) return undefined;
      throw err;
    }
    if (Object.prototype.hasOwnProperty.call(data, key)) return data[key];
    if (optional) return undefined;
    throw new Error(`MCP server "${serverName}" env ${entry.name}: secret "${name}" has no key ${key}`);
  }
  if (from.configMapKeyRef?.optional) return undefined;
  throw new Error(`MCP server "${serverName}" env ${entry.name}: only literal values and secretKeyRef are supported on the local runtime`);
}

function sorted(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
