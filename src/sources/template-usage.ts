/**
 * Which costly GitHub variables a spawner's templates can print, so polling fetches comments and reviews only
 * when something reads them (Kelos fetches them for every item). Conservative on purpose: the name anywhere in
 * a template, or the whole data map printed (`{{.}}`, `{{printf "%v" .}}`), counts as a use. A wrong "yes"
 * costs requests; a wrong "no" would leave a variable empty, so when in doubt we say yes.
 */
import type { TemplateVarUsage } from './github/fetch-needs';
import type { TaskSpawnerResource } from '../model/types';

/**
 * A `.` that is the data itself, not the start of a field (`.Title`), part of a number (`1.5`) or the map
 * `index` reads one named key from (`index . "Comments"`, which the name check covers).
 */
const BARE_DOT = /\{\{[^}]*?(?<![\w\])])(?<!index\s+)\.(?![\w.])[^}]*?\}\}/;

export function templateVarUsage(spawner: Pick<TaskSpawnerResource, 'spec'>): Required<TemplateVarUsage> {
  const template = spawner.spec.taskTemplate;
  const texts = [
    template.promptTemplate,
    template.branch ?? '',
    template.nameTemplate ?? '',
    ...Object.values(template.metadata?.labels ?? {}),
    ...Object.values(template.metadata?.annotations ?? {}),
  ].join('\n');
  const everything = BARE_DOT.test(texts);
  const uses = (name: string) => everything || texts.includes(name);
  return { Comments: uses('Comments'), ReviewState: uses('ReviewState'), ReviewComments: uses('ReviewComments') };
}
