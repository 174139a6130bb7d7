/**
 * The TaskSpawner manifest a spawner workflow runs on: parsed and validated in the workflow (the same rules and
 * messages as `kelos apply --dry-run`), at start, at continue-as-new and when `kelos apply` changes it.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { utf8Length } from '../go';
import { parseManifests } from '../model/parse-manifests';
import type { TaskSpawnerResource } from '../model/types';

/** A spawner carries its manifest from run to run, beside its state (src/spawner/spawner-state.ts): 2 MiB in all. */
export const MAX_MANIFEST_BYTES = 256 * 1024;

/** The TaskSpawner, or the field-level errors as one message (the same lines `kelos apply --dry-run` prints). */
function parseSpawner(manifest: Record<string, unknown>): TaskSpawnerResource | string {
  const text = JSON.stringify(manifest);
  if (utf8Length(text) > MAX_MANIFEST_BYTES) return `spawner.json: the TaskSpawner manifest is ${utf8Length(text)} bytes; at most ${MAX_MANIFEST_BYTES} are accepted`;
  const parsed = parseManifests(text, 'spawner.json');
  const problems = [...parsed.errors.map(String), ...parsed.unsupported.map(String)];
  if (problems.length) return problems.join('\n');
  const spawners = parsed.resources.filter((r): r is TaskSpawnerResource => r.kind === 'TaskSpawner');
  if (spawners.length !== 1) return `spawner.json: expected one TaskSpawner, found ${parsed.resources.map((r) => r.kind).join(', ') || 'nothing'}`;
  return spawners[0];
}

export function parseSpawnerOrThrow(manifest: Record<string, unknown>): TaskSpawnerResource {
  const parsed = parseSpawner(manifest);
  if (typeof parsed === 'string') throw ApplicationFailure.nonRetryable(parsed, 'InvalidManifest');
  return parsed;
}

/** `kelos apply` of a changed spawner: rejected synchronously, with the field-level message, when it is invalid. */
export function validateUpdate(current: TaskSpawnerResource, next: Record<string, unknown>): void {
  const parsed = parseSpawner(next);
  if (typeof parsed === 'string') throw new Error(parsed);
  if (parsed.metadata.name !== current.metadata.name || parsed.metadata.namespace !== current.metadata.namespace) {
    throw new Error(`the manifest is for TaskSpawner ${parsed.metadata.namespace}/${parsed.metadata.name}, not ${current.metadata.namespace}/${current.metadata.name}`);
  }
}
