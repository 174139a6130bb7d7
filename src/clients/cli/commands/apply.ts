import * as path from 'node:path';
import { Command } from 'commander';
import { toKelosObject } from '../../../model';
import type { KelosResource } from '../../../model';
import { ignoredFieldWarnings } from '../../../model/ignored-fields';
import { kelosHome } from '../../../host/data-dir';
import { LocalSecretStore } from '../../../host/secret-store';
import { applyResource } from '../../apply-resource';
import { KelosApi, KelosError } from '../../kelos-api';
import { GlobalOptions, connectApi } from '../connection';
import { collect } from '../options';
import { parseAllOrExit, readManifestSources } from '../manifests';
import { parseOutputFormat, printObjects } from '../output';

export function applyCommand(globals: () => GlobalOptions): Command {
  return new Command('apply')
    .description('create or update Kelos resources from manifests (TaskSpawner, Task, Workspace, AgentConfig, Secret)')
    .requiredOption('-f, --filename <path>', 'manifest file, directory, or - for stdin (repeatable)', collect, [])
    .option('--dry-run', 'only validate (offline) and print the normalised resources')
    .option('-o, --output <format>', 'yaml | json (with --dry-run)', 'yaml')
    .action(async (opts: { filename: string[]; dryRun?: boolean; output: string }) => {
      const g = globals();
      const format = parseOutputFormat(opts.output);
      if (format === 'table') throw new KelosError('-o must be yaml or json');
      // Everything is validated before anything is applied, so a bad document never leaves half an apply behind.
      const { resources } = parseAllOrExit(readManifestSources(opts.filename));
      const namespaced = resources.map((r) => withLocalImagePath(withNamespace(r, g.namespace)));
      for (const warning of namespaced.flatMap(ignoredFieldWarnings)) console.error(`warning: ${warning}`);
      if (opts.dryRun) {
        await printObjects(namespaced.map(displayObject), format, namespaced.length === 1);
        return;
      }
      const secrets = new LocalSecretStore(kelosHome());
      let connection: { api: KelosApi; close: () => Promise<void> } | undefined;
      try {
        for (const resource of namespaced) {
          const ref = `${resource.kind.toLowerCase()}/${resource.metadata.name}`;
          if (resource.kind === 'Secret') {
            secrets.put(resource.metadata.namespace, resource.metadata.name, resource.data);
            console.log(`${ref} configured`);
            continue;
          }
          connection ??= await connectApi(g);
          const outcome = await applyResource(connection.api, resource);
          console.log(outcome === 'unchanged' && resource.kind === 'Task' ? `${ref} unchanged (a Task is immutable: delete it to run it again)` : `${ref} ${outcome}`);
        }
      } finally {
        await connection?.close();
      }
    });
}

/** `-n` applies to manifests in the default namespace (kubectl applies it to manifests that name none). */
function withNamespace<T extends KelosResource>(resource: T, namespace: string): T {
  if (resource.metadata.namespace === 'default' && namespace !== 'default') {
    return { ...resource, metadata: { ...resource.metadata, namespace } };
  }
  return resource;
}

/**
 * On the local runtime `image` is an executable path; a relative one (`./x`, `../x`) means relative to where kelos
 * runs, and the worker may run elsewhere, so it is made absolute here.
 */
function withLocalImagePath<T extends KelosResource>(resource: T): T {
  const absolute = (image: string | undefined) => (image && /^\.\.?\//.test(image) ? path.resolve(image) : image);
  if (resource.kind === 'Task' && resource.spec.worker?.image) {
    return { ...resource, spec: { ...resource.spec, worker: { ...resource.spec.worker, image: absolute(resource.spec.worker.image) } } };
  }
  if (resource.kind === 'TaskSpawner' && resource.spec.taskTemplate.worker?.image) {
    const template = resource.spec.taskTemplate;
    return { ...resource, spec: { ...resource.spec, taskTemplate: { ...template, worker: { ...template.worker!, image: absolute(template.worker!.image) } } } };
  }
  return resource;
}

/** Secret values are never printed, even in a dry run. */
function displayObject(resource: KelosResource): unknown {
  const object = toKelosObject(resource) as Record<string, unknown>;
  if (resource.kind !== 'Secret') return object;
  const redacted = Object.fromEntries(Object.keys(resource.data).sort().map((k) => [k, '<redacted>']));
  const { data: _data, stringData: _stringData, ...rest } = object;
  return { ...rest, data: redacted };
}
