/** A workflow that parses manifests inside the Temporal sandbox, proving the resource model is workflow-safe. */
import { parseManifests, toKelosObject } from '../../../src/model';

export async function parseInWorkflow(text: string, source: string): Promise<{
  objects: unknown[];
  errors: string[];
  unsupported: string[];
}> {
  const result = parseManifests(text, source);
  return {
    objects: result.resources.map(toKelosObject),
    errors: result.errors.map(String),
    unsupported: result.unsupported.map(String),
  };
}
