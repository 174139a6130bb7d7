import { Command } from 'commander';
import type { TaskSpawnerResource } from '../../../model/types';
import { renderSpawnedTask } from '../../../spawner/render-task';
import { withContext } from '../../../spawner/context-sources';
import { SourceKind, templateVarsFor } from '../../../sources/template-vars';
import { KelosError } from '../../kelos-api';
import { parseAllOrExit, readManifestSources } from '../manifests';
import { readValuesFile } from '../values-file';

/** Offline preview of what a spawner creates for one item, like Kelos's `run --from ... --dry-run`. */
export function renderCommand(): Command {
  return new Command('render')
    .description("render a TaskSpawner's Task name, prompt and branch for given template values (offline)")
    .requiredOption('-f, --filename <file>', 'TaskSpawner manifest (file or -)')
    .option('--values <file>', 'template values as a YAML/JSON object (file or -)')
    .option('--spawner <name>', 'which TaskSpawner, when the file holds several')
    .option('-o, --output <format>', 'json')
    .action((opts: { filename: string; values?: string; spawner?: string; output?: string }) => {
      if (opts.output !== undefined && opts.output !== 'json') throw new KelosError(`invalid output format "${opts.output}": use json`);
      const spawner = pickSpawner(parseAllOrExit(readManifestSources([opts.filename])).resources, opts.spawner);
      const values = opts.values ? readValuesFile(opts.values) : {};
      const source = spawner.spec.source as SourceKind;
      // Context sources are not fetched in a preview: `Context` comes from the values, else is empty.
      const rendered = renderSpawnedTask(spawner, withContext(spawner, templateVarsFor(source, values), values.Context as Record<string, string> | undefined));
      if (opts.output === 'json') {
        process.stdout.write(`${JSON.stringify({ name: rendered.name, prompt: rendered.prompt, branch: rendered.branch ?? '' }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`name: ${rendered.name}\nbranch: ${rendered.branch ?? ''}\nprompt:\n${rendered.prompt}\n`);
    });
}

function pickSpawner(resources: { kind: string; metadata: { name: string } }[], name?: string): TaskSpawnerResource {
  const spawners = resources.filter((r) => r.kind === 'TaskSpawner') as TaskSpawnerResource[];
  if (!spawners.length) throw new KelosError('the manifest holds no TaskSpawner');
  if (name) {
    const found = spawners.find((s) => s.metadata.name === name);
    if (!found) throw new KelosError(`no TaskSpawner "${name}" in the manifest (found: ${spawners.map((s) => s.metadata.name).join(', ')})`);
    return found;
  }
  if (spawners.length > 1) throw new KelosError(`the manifest holds ${spawners.length} TaskSpawners (${spawners.map((s) => s.metadata.name).join(', ')}): choose one with --spawner`);
  return spawners[0];
}
