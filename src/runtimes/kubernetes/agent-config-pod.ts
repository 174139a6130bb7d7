/**
 * What a Task's AgentConfigs add to its Pod (kelos-behaviour §1.4, §5.2):
 * - inline plugins travel in a per-Task ConfigMap (plugin content would overflow an init container's argument),
 *   copied by the `plugin-setup` init container into the `kelos-plugin` volume at `/kelos/plugin`;
 * - skills.sh packages are installed by the `skills-install` init container (node image, as 61100, the skills CLI
 *   pinned) into the same volume;
 * - MCP servers arrive as `KELOS_MCP_SERVERS` from a per-Task Secret, because resolved MCP headers and env hold
 *   secret values (Kelos writes them into the Pod spec in plain text; we keep them in a Secret).
 */
import type { V1Container, V1EnvVar, V1KeyToPath, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { shellQuote } from '../../common/shell-quote';
import { pluginFiles, type PluginFile } from '../plugin-files';
import { SKILLS_PLUGIN, skillsInstallScript, skillsTokenEnv } from '../skills-install-script';
import type { AgentConfigBundle } from '../../task/task-runtime';
import { PodSpecError } from './pod-overrides';
import { GIT_IMAGE, KELOS_UID } from './workspace-init-containers';

export const PLUGIN_VOLUME = 'kelos-plugin';
export const PLUGIN_DIR = '/kelos/plugin';
export const PLUGIN_SOURCE_VOLUME = 'kelos-plugin-src';
export const PLUGIN_SOURCE_DIR = '/kelos-plugin-src';
/** Node with git in the image (the skills CLI clones with git): the installer runs as 61100 and cannot `apk add`. */
export const NODE_IMAGE = 'node:22.14.0-bookworm';
/** Where skills-install finds each private source's token: `<dir>/<variable>/GITHUB_TOKEN`, one Secret volume each. */
export const SKILLS_TOKEN_DIR = '/kelos/skills-tokens';
export const MCP_SECRET_KEY = 'KELOS_MCP_SERVERS';
/** Below the 1 MiB object limit, leaving room for keys and metadata. */
export const PLUGIN_CONFIGMAP_BUDGET = 900 * 1024;

/** Names of the objects that live and die with a Task's Pod. */
export function taskCompanionNames(podName: string) {
  return { plugins: `${podName}-plugins`, mcp: `${podName}-mcp`, githubToken: `${podName}-github-token` };
}

/** The plugin files, within the ConfigMap budget. */
export function pluginConfigMapFiles(bundle: AgentConfigBundle): PluginFile[] {
  let files: PluginFile[];
  try {
    files = pluginFiles(bundle.plugins);
  } catch (err) {
    throw new PodSpecError((err as Error).message);
  }
  const bytes = files.reduce((sum, file) => sum + Buffer.byteLength(file.content), 0);
  if (bytes > PLUGIN_CONFIGMAP_BUDGET) {
    throw new PodSpecError(`AgentConfig plugins: ${bytes} bytes of skills and agents exceed the ${PLUGIN_CONFIGMAP_BUDGET} bytes a per-Task ConfigMap can carry; shorten them or move them into skills.sh packages`);
  }
  return files;
}

/**
 * Copies the staged tree into the writable volume, following the kubelet's symlinks and skipping its hidden
 * `..data`/`..<timestamp>` entries. The content stays in files: the script is the same small text for any plugins.
 */
export function pluginSetupScript(sourceDir: string, destDir: string): string {
  return [
    'set -eu',
    `for entry in ${shellQuote(sourceDir)}/* ${shellQuote(sourceDir)}/.[!.]*; do`,
    `  if [ -e "$entry" ]; then cp -RL "$entry" ${shellQuote(destDir)}/; fi`,
    'done',
  ].join('\n');
}

export interface AgentConfigPodParts {
  volumes: V1Volume[];
  agentMounts: V1VolumeMount[];
  agentEnv: V1EnvVar[];
  initContainers: V1Container[];
}

export function agentConfigPodParts(bundle: AgentConfigBundle | undefined, podName: string): AgentConfigPodParts {
  const parts: AgentConfigPodParts = { volumes: [], agentMounts: [], agentEnv: [], initContainers: [] };
  if (!bundle) return parts;
  const names = taskCompanionNames(podName);
  if (bundle.agentsMD) parts.agentEnv.push({ name: 'KELOS_AGENTS_MD', value: bundle.agentsMD });
  if (bundle.plugins.length || bundle.skills.length) {
    parts.volumes.push({ name: PLUGIN_VOLUME, emptyDir: {} });
    parts.agentMounts.push({ name: PLUGIN_VOLUME, mountPath: PLUGIN_DIR });
    parts.agentEnv.push({ name: 'KELOS_PLUGIN_DIR', value: PLUGIN_DIR });
  }
  if (bundle.plugins.length) {
    const items: V1KeyToPath[] = pluginConfigMapFiles(bundle).map((file) => ({ key: file.key, path: file.path }));
    parts.volumes.push({ name: PLUGIN_SOURCE_VOLUME, configMap: { name: names.plugins, items } });
    parts.initContainers.push({
      name: 'plugin-setup',
      image: GIT_IMAGE,
      command: ['sh', '-c', pluginSetupScript(PLUGIN_SOURCE_DIR, PLUGIN_DIR)],
      volumeMounts: [
        { name: PLUGIN_VOLUME, mountPath: PLUGIN_DIR },
        { name: PLUGIN_SOURCE_VOLUME, mountPath: PLUGIN_SOURCE_DIR, readOnly: true },
      ],
      securityContext: { runAsUser: KELOS_UID, runAsGroup: KELOS_UID },
    });
  }
  if (bundle.skills.length) {
    if (bundle.plugins.some((plugin) => plugin.name === SKILLS_PLUGIN)) {
      throw new PodSpecError(`AgentConfig plugins: the name "${SKILLS_PLUGIN}" is reserved for skills.sh packages when skills are set`);
    }
    let script: string;
    try {
      script = skillsInstallScript(bundle.skills, { pluginDir: PLUGIN_DIR, tokenDir: SKILLS_TOKEN_DIR });
    } catch (err) {
      throw new PodSpecError((err as Error).message);
    }
    // Tokens as files read by the one install that needs each, not as environment every process inherits.
    const tokens = skillsTokenEnv(bundle.skills).map(({ secretName, envName }, i) => ({ secretName, envName, volume: `kelos-skills-token-${i}` }));
    parts.volumes.push(...tokens.map(({ secretName, volume }) => ({ name: volume, secret: { secretName, items: [{ key: 'GITHUB_TOKEN', path: 'GITHUB_TOKEN' }] } })));
    parts.initContainers.push({
      name: 'skills-install',
      image: NODE_IMAGE,
      command: ['sh', '-c', script],
      env: [{ name: 'HOME', value: PLUGIN_DIR }],
      volumeMounts: [{ name: PLUGIN_VOLUME, mountPath: PLUGIN_DIR }, ...tokens.map(({ envName, volume }) => ({ name: volume, mountPath: `${SKILLS_TOKEN_DIR}/${envName}`, readOnly: true }))],
      securityContext: { runAsUser: KELOS_UID, runAsGroup: KELOS_UID },
    });
  }
  if (bundle.mcpServers.length) {
    parts.agentEnv.push({ name: 'KELOS_MCP_SERVERS', valueFrom: { secretKeyRef: { name: names.mcp, key: MCP_SECRET_KEY } } });
  }
  return parts;
}
