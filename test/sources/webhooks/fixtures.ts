/**
 * Test material: the real payloads of @octokit/webhooks-examples (deep-cloned so edits never leak), and the
 * Kelos example manifests read from ../shared/fixtures/kelos-examples at test time (never copied here).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseManifests, type TaskSpawnerResource } from '../../../src/model';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const EVENTS: { name: string; examples: Record<string, any>[] }[] = require('@octokit/webhooks-examples/api.github.com/index.json');

/** A deep copy of the `index`-th example of `event` (optionally only those with `action`). */
export function octokitExample(event: string, action?: string, index = 0): Record<string, any> {
  const entry = EVENTS.find((e) => e.name === event);
  if (!entry) throw new Error(`no examples for ${event}`);
  const examples = action === undefined ? entry.examples : entry.examples.filter((e) => e.action === action);
  if (!examples[index]) throw new Error(`no example ${event}.${action ?? '*'}[${index}]`);
  return structuredClone(examples[index]);
}

/** Every example of `event`, each a deep copy. */
export function octokitExamples(event: string): Record<string, any>[] {
  return structuredClone(EVENTS.find((e) => e.name === event)?.examples ?? []);
}

/** Every example of every event, named `event[i]`, each a deep copy. */
export function allOctokitExamples(): { name: string; payload: Record<string, any> }[] {
  return EVENTS.flatMap((e) => e.examples.map((payload, i) => ({ name: `${e.name}[${i}]`, payload: structuredClone(payload) })));
}

const KELOS_EXAMPLES = path.resolve(__dirname, '../../../../shared/fixtures/kelos-examples');

/** The TaskSpawner named `name` (or the first one) from a Kelos example file, parsed and normalised. */
export function kelosSpawner(relative: string, name?: string): TaskSpawnerResource {
  const result = parseManifests(fs.readFileSync(path.join(KELOS_EXAMPLES, relative), 'utf8'), relative);
  if (result.errors.length) throw new Error(result.errors.map((e) => e.message).join('\n'));
  const spawner = result.resources.find((r) => r.kind === 'TaskSpawner' && (name === undefined || r.metadata.name === name));
  if (!spawner) throw new Error(`${relative}: no TaskSpawner ${name ?? ''}`);
  return spawner as TaskSpawnerResource;
}
