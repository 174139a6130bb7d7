/**
 * `kelos run --from taskspawner/NAME [-f values]` (Kelos §4.2, §8): the spawner's template rendered as a standalone
 * Task. No filters, limits, reporting or spawner ownership; nameTemplate is ignored; the values file may override
 * the manual variables, except a cron spawner's Time and Schedule.
 */
import type { TaskResource, TaskSpawnerResource } from '../model/types';
import { renderTemplate } from '../go';
import { TemplateVars, templateVarsFor } from '../sources/template-vars';
import { SPAWNER_LABEL, taskFromTemplate } from './task-from-template';
import { renderTemplateMetadata } from './render-task';
import { withContext } from './context-sources';

export const CREATED_FROM_LABEL = 'kelos.dev/created-from-taskspawner';
export const TRIGGER_TYPE_LABEL = 'kelos.dev/trigger-type';

export interface ManualRunContext {
  /** RFC3339 trigger time. */
  now: string;
  /** Five lowercase letters/digits making the name and ID unique. */
  suffix: string;
  pick: (n: number) => number;
}

export function manualRunTask(spawner: TaskSpawnerResource, values: TemplateVars, context: ManualRunContext): TaskResource {
  const name = spawner.metadata.name;
  const cron = spawner.spec.when.cron;
  const vars = withContextValues(spawner, templateVarsFor('manual', {
    ID: `manual-${context.suffix}`,
    Title: `Manual run of TaskSpawner ${name}`,
    TriggerType: 'manual',
    TriggerTime: context.now,
    ...values,
    ...(cron ? { Time: context.now, Schedule: cron.schedule } : {}),
  }), values);
  const template = spawner.spec.taskTemplate;
  const render = (field: string, text: string) => renderTemplate(text, vars, { name: field, missingKey: 'error' });
  const rendered = {
    name: `${name.slice(0, 50)}-manual-${context.suffix}`,
    prompt: render('promptTemplate', template.promptTemplate),
    ...(template.branch ? { branch: render('branch', template.branch) } : {}),
    ...renderTemplateMetadata(template, render),
  };
  const task = taskFromTemplate(spawner, rendered, context.pick);
  const labels: Record<string, string> = { ...task.metadata.labels, [CREATED_FROM_LABEL]: name, [TRIGGER_TYPE_LABEL]: 'manual' };
  delete labels[SPAWNER_LABEL];
  return { ...task, metadata: { ...task.metadata, labels, annotations: { ...(task.metadata.annotations ?? {}), 'kelos.dev/trigger-time': context.now } } };
}

/** Context sources are not fetched for a manual run: `Context` comes from the values file, else is empty. */
function withContextValues(spawner: TaskSpawnerResource, vars: TemplateVars, values: Record<string, unknown>): TemplateVars {
  return withContext(spawner, vars, values.Context as Record<string, string> | undefined);
}
