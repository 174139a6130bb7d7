/**
 * Templates in a TaskSpawner are checked at apply time, so a broken one is reported by `kelos apply` (with the
 * Go parse error and its position) instead of failing every item later. nameTemplate may not read `.Context`
 * (Kelos rejects it at parse time: context sources are fetched after the name is known).
 */
import { isTemplateError, parseTemplate, referencesField } from '../go';
import { asObject, str, type RawObject } from './raw';
import type { Report } from './rules-execution';

const TEMPLATE_FIELDS = ['promptTemplate', 'branch', 'nameTemplate'] as const;

export function checkTemplates(template: RawObject, report: Report): void {
  for (const field of TEMPLATE_FIELDS) {
    const text = str(template[field]);
    if (!text) continue;
    const parsed = tryParse(field, text, (message) => report(['spec', 'taskTemplate', field], message));
    if (parsed && field === 'nameTemplate' && referencesField(parsed.tree, 'Context')) {
      report(['spec', 'taskTemplate', 'nameTemplate'], 'must not reference .Context (context sources are fetched after the Task name is chosen)');
    }
  }
  const metadata = asObject(template['metadata']);
  for (const kind of ['labels', 'annotations'] as const) {
    const values = asObject(metadata?.[kind]);
    for (const [key, value] of Object.entries(values ?? {})) {
      if (typeof value === 'string') tryParse(`${kind}.${key}`, value, (message) => report(['spec', 'taskTemplate', 'metadata', kind, key], message));
    }
  }
}

function tryParse(name: string, text: string, fail: (message: string) => void) {
  try {
    return parseTemplate(name, text);
  } catch (err) {
    if (!isTemplateError(err)) throw err;
    fail(`invalid template: ${err.message}`);
    return undefined;
  }
}
