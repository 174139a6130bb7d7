/**
 * Renders the Task a spawner creates for one work item: name, prompt, branch and metadata (label and annotation
 * values are templates too, kelos-behaviour §4.3) from the taskTemplate.
 * One implementation for the spawner workflow (polling, cron, webhooks) and for `kelos render`.
 */
import type { TaskSpawnerResource, TaskTemplate } from '../model/types';
import { renderTemplate } from '../go';
import { defaultTaskName, sanitizeTaskName } from '../model/naming';
import type { TemplateVars } from '../sources/template-vars';

export interface RenderedTask {
  name: string;
  prompt: string;
  branch?: string;
  /** Only when the template has any. */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Sources whose default Task name comes from the item ID (webhooks derive it from the delivery instead). */
const ID_NAMED_SOURCES = new Set(['githubIssues', 'githubPullRequests', 'jira', 'cron']);

/**
 * Throws a TemplateError naming the template (`promptTemplate`, `branch`, `nameTemplate`) and position.
 * `webhookName` supplies the default name for webhook sources (delivery-based, see the webhook bridge).
 */
export function renderSpawnedTask(spawner: TaskSpawnerResource, vars: TemplateVars, webhookName?: () => string): RenderedTask {
  const template = spawner.spec.taskTemplate;
  const render = (name: string, text: string) => renderTemplate(text, vars, { name, missingKey: 'error' });
  const prompt = render('promptTemplate', template.promptTemplate);
  const branch = template.branch ? render('branch', template.branch) : undefined;
  let name: string;
  if (template.nameTemplate) name = sanitizeTaskName(render('nameTemplate', template.nameTemplate));
  else if (ID_NAMED_SOURCES.has(spawner.spec.source)) name = defaultTaskName(spawner.metadata.name, String(vars.ID ?? ''));
  else if (webhookName) name = webhookName();
  else throw new Error(`spawner "${spawner.metadata.name}": a ${spawner.spec.source} Task name is derived from each delivery; set nameTemplate to preview it`);
  return { name, prompt, ...(branch !== undefined ? { branch } : {}), ...renderTemplateMetadata(template, render) };
}

/** The template's labels and annotations with their values rendered (only the kinds it has). */
export function renderTemplateMetadata(template: TaskTemplate, render: (name: string, text: string) => string): Pick<RenderedTask, 'labels' | 'annotations'> {
  const renderMap = (kind: 'labels' | 'annotations') => {
    const values = template.metadata?.[kind];
    if (!values || !Object.keys(values).length) return {};
    return { [kind]: Object.fromEntries(Object.entries(values).map(([key, value]) => [key, render(`metadata.${kind}[${key}]`, value)])) };
  };
  return { ...renderMap('labels'), ...renderMap('annotations') };
}
