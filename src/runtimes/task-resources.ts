/**
 * A Task's Workspace and AgentConfigs, read from their stored records (src/store/) into the shapes a runtime uses.
 * The same on every runtime; no Secret is read here (a runtime checks the Secrets these name).
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { readStoredResource } from '../store/read-stored-resource';
import type { AgentConfigSpec, McpServer, WorkspaceSpec } from '../model/types';
import type { TaskRun } from '../task/task-run';
import type { AgentConfigBundle, ResolvedTaskResources, WorkspaceSource } from '../task/task-runtime';

/** The Task's Workspace and merged AgentConfigs from their stored records (both runtimes; no secrets read). */
export async function resolveStoredTaskResources(client: Client, run: TaskRun): Promise<ResolvedTaskResources> {
  const resolved: ResolvedTaskResources = {};
  if (run.workspaceRef) {
    const stored = await readStoredResource(client, 'Workspace', run.namespace, run.workspaceRef);
    if (!stored) throw ApplicationFailure.retryable(`Workspace "${run.workspaceRef}" not found in namespace "${run.namespace}"`, 'ResourceNotFound');
    resolved.workspace = toWorkspaceSource(run.workspaceRef, stored.spec);
  }
  if (run.agentConfigRefs.length) {
    const specs: AgentConfigSpec[] = [];
    for (const name of run.agentConfigRefs) {
      const stored = await readStoredResource(client, 'AgentConfig', run.namespace, name);
      if (!stored) throw ApplicationFailure.retryable(`AgentConfig "${name}" not found in namespace "${run.namespace}"`, 'ResourceNotFound');
      specs.push(stored.spec);
    }
    resolved.agentConfig = mergeAgentConfigs(run.agentConfigRefs, specs);
  }
  return resolved;
}

function toWorkspaceSource(name: string, s: WorkspaceSpec): WorkspaceSource {
  return {
    name,
    repo: s.repo,
    ...(s.ref ? { ref: s.ref } : {}),
    ...(s.secretRef?.name ? { secretName: s.secretRef.name } : {}),
    remotes: s.remotes ?? [],
    files: s.files ?? [],
    ...(s.setupCommand?.length ? { setupCommand: s.setupCommand } : {}),
  };
}

/** Kelos merges multiple AgentConfigs in order: agentsMD concatenated, plugins appended, later MCP names win. */
function mergeAgentConfigs(names: string[], specs: AgentConfigSpec[]): AgentConfigBundle {
  const bundle: AgentConfigBundle = { names, plugins: [], skills: [], mcpServers: [] };
  const agentsMD: string[] = [];
  const mcpByName = new Map<string, McpServer>();
  for (const s of specs) {
    if (s.agentsMD) agentsMD.push(s.agentsMD);
    for (const plugin of s.plugins ?? []) bundle.plugins.push({ name: plugin.name, skills: plugin.skills ?? [], agents: plugin.agents ?? [] });
    for (const skill of s.skills ?? []) bundle.skills.push({ source: skill.source, ...(skill.skill ? { skill: skill.skill } : {}), ...(skill.secretRef?.name ? { secretName: skill.secretRef.name } : {}) });
    for (const server of s.mcpServers ?? []) mcpByName.set(String(server.name), server);
  }
  if (agentsMD.length) bundle.agentsMD = agentsMD.join('\n\n');
  bundle.mcpServers = [...mcpByName.values()];
  return bundle;
}

