/**
 * Builds `KELOS_MCP_SERVERS` the way Kelos's controller does: `.mcp.json` shape `{"mcpServers": {name: {...}}}`,
 * with `headersFrom` secret data merged over `headers`, and `env` resolved (literal values, secret keys, then
 * `envFrom` secret data overriding). The entrypoint (agent-home.ts) reads this shape. Secret values only pass
 * through here on their way into the agent's environment (local runtime) or a per-Task Secret (Kubernetes);
 * nothing is logged. The local runtime has no ConfigMaps; the Kubernetes runtime passes a reader for them.
 */
import type { McpServer } from '../model/types';

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

/** The Secrets and ConfigMaps the servers reference, so an asynchronous source can read them all first. */
export function mcpReferences(servers: readonly McpServer[]): { secrets: string[]; configMaps: string[] } {
  const secrets = new Set<string>();
  const configMaps = new Set<string>();
  for (const server of servers) {
    if (server.headersFrom) secrets.add(server.headersFrom.secretRef.name);
    if (server.envFrom) secrets.add(server.envFrom.secretRef.name);
    for (const entry of server.env ?? []) {
      const from = entry.valueFrom as { secretKeyRef?: { name?: string }; configMapKeyRef?: { name?: string } } | undefined;
      if (from?.secretKeyRef?.name) secrets.add(from.secretKeyRef.name);
      if (from?.configMapKeyRef?.name) configMaps.add(from.configMapKeyRef.name);
    }
  }
  return { secrets: [...secrets], configMaps: [...configMaps] };
}

export function kelosMcpServersJson(servers: readonly McpServer[], readSecret: SecretReader, readConfigMap?: SecretReader): string {
  const byName: Record<string, McpServerJson> = {};
  for (const server of servers) {
    const headers = { ...(server.headers ?? {}), ...(server.headersFrom ? readSecret(server.headersFrom.secretRef.name) : {}) };
    const env = resolveEnv(server, readSecret, readConfigMap);
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

function resolveEnv(server: McpServer, readSecret: SecretReader, readConfigMap: SecretReader | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of server.env ?? []) {
    const value = envValue(server.name, entry, readSecret, readConfigMap);
    if (value !== undefined) env[entry.name] = value;
  }
  if (server.envFrom) Object.assign(env, readSecret(server.envFrom.secretRef.name));
  return env;
}

type KeyRef = { name?: string; key?: string; optional?: boolean };

/** Literal value, or a Secret (or ConfigMap) key; undefined for a missing optional ref. */
function envValue(serverName: string, entry: NonNullable<McpServer['env']>[number], readSecret: SecretReader, readConfigMap: SecretReader | undefined): string | undefined {
  const from = entry.valueFrom as { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef } | undefined;
  if (!from) return entry.value ?? '';
  if (from.secretKeyRef) return keyValue(serverName, entry.name, 'secret', from.secretKeyRef, readSecret);
  if (from.configMapKeyRef && readConfigMap) return keyValue(serverName, entry.name, 'configmap', from.configMapKeyRef, readConfigMap);
  if (from.configMapKeyRef?.optional) return undefined;
  throw new Error(`MCP server "${serverName}" env ${entry.name}: only literal values and secretKeyRef are supported on the local runtime`);
}

function keyValue(serverName: string, envName: string, kind: string, ref: KeyRef, read: SecretReader): string | undefined {
  const { name = '', key = '', optional } = ref;
  let data: Record<string, string>;
  try {
    data = read(name);
  } catch (err) {
    if (optional) return undefined;
    throw err;
  }
  if (Object.prototype.hasOwnProperty.call(data, key)) return data[key];
  if (optional) return undefined;
  throw new Error(`MCP server "${serverName}" env ${envName}: ${kind} "${name}" has no key ${key}`);
}

function sorted(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
