/**
 * Kelos's reserved names in `podOverrides` (kelos-behaviour §1.1): a clear error that names the field, instead
 * of a Pod the API server half-accepts or one whose user volume shadows Kelos's own.
 */
import type { TaskRun } from '../../task/task-run';

/** Init containers Kelos builds itself; users may not take these names. */
export const BUILT_IN_INIT_NAMES = ['git-clone', 'remote-setup', 'branch-setup', 'workspace-files', 'plugin-setup', 'skills-install'];

export class PodSpecError extends Error {
  override name = 'PodSpecError';
}

export function checkOverrides(overrides: NonNullable<TaskRun['podOverrides']>): void {
  for (const [i, volume] of (overrides.volumes ?? []).entries()) {
    const name = String(volume.name ?? '');
    if (name === 'workspace' || name.startsWith('kelos-')) throw new PodSpecError(`podOverrides.volumes[${i}].name: "${name}" is reserved (workspace and kelos-* are Kelos's own volumes)`);
  }
  const init = (overrides.extraInitContainers ?? []).map((c) => String(c.name ?? ''));
  const extra = (overrides.extraContainers ?? []).map((c) => String(c.name ?? ''));
  for (const [field, names] of [['extraInitContainers', init], ['extraContainers', extra]] as const) {
    for (const [i, name] of names.entries()) {
      if (!name) throw new PodSpecError(`podOverrides.${field}[${i}].name: required`);
      if (name.startsWith('kelos-') || BUILT_IN_INIT_NAMES.includes(name)) throw new PodSpecError(`podOverrides.${field}[${i}].name: "${name}" is reserved for Kelos's own containers`);
    }
  }
  const both = init.find((name) => extra.includes(name));
  if (both) throw new PodSpecError(`podOverrides: container "${both}" is in both extraInitContainers and extraContainers`);
}
