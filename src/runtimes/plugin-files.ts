/**
 * The files an AgentConfig's inline plugins become, as both runtimes lay them out under the plugin directory
 * (`KELOS_PLUGIN_DIR`): `<plugin>/skills/<skill>/SKILL.md` and `<plugin>/agents/<agent>.md`. Names are path
 * segments, so separators and `.`/`..` are refused with the entry named.
 */
import type { AgentConfigBundle } from '../task/task-runtime';

export interface PluginFile {
  /** Relative to the plugin directory. */
  path: string;
  content: string;
  /** A stable key of the file within the bundle, usable as a ConfigMap key (`p<i>-s<j>`, `p<i>-a<j>`). */
  key: string;
}

export class InvalidPluginError extends Error {
  override name = 'InvalidPluginError';
}

export function pluginFiles(plugins: AgentConfigBundle['plugins']): PluginFile[] {
  const files: PluginFile[] = [];
  for (const [i, plugin] of plugins.entries()) {
    checkSegment(plugin.name, `plugins[${i}].name`);
    for (const [j, skill] of plugin.skills.entries()) {
      checkSegment(skill.name, `plugins[${i}].skills[${j}].name`);
      files.push({ key: `p${i}-s${j}`, path: `${plugin.name}/skills/${skill.name}/SKILL.md`, content: skill.content });
    }
    for (const [j, agent] of plugin.agents.entries()) {
      checkSegment(agent.name, `plugins[${i}].agents[${j}].name`);
      files.push({ key: `p${i}-a${j}`, path: `${plugin.name}/agents/${agent.name}.md`, content: agent.content });
    }
  }
  return files;
}

function checkSegment(name: string, field: string): void {
  if (!name) throw new InvalidPluginError(`AgentConfig ${field}: must not be empty`);
  if (/[/\\]/.test(name)) throw new InvalidPluginError(`AgentConfig ${field}: "${name}" must not contain a path separator`);
  if (name === '.' || name === '..') throw new InvalidPluginError(`AgentConfig ${field}: "${name}" is not a valid name`);
}
