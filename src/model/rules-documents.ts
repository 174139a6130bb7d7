/**
 * Cross-field rules per kind: Kelos's CEL rules (`x-kubernetes-validations`) plus the few controller checks that
 * make a resource unusable, evaluated on the raw document so they are reported together with schema errors.
 */
import { checkJsonPath, JsonPathError } from '../go';
import { SOURCE_KINDS } from './types';
import type { PathSegment } from './manifest-error';
import { asObject, has, isSet, list, str, type RawObject } from './raw';
import { checkExecution, type Report } from './rules-execution';
import { checkTemplates } from './rules-templates';
import type { Version } from './schema-common';
import { workspaceFilePathProblem } from './workspace-file-path';

export type { Report } from './rules-execution';

const WORKSPACE_SOURCES = ['githubIssues', 'githubPullRequests', 'githubWebhook', 'linearWebhook'] as const;
const PULL_REQUEST_EVENTS = ['pull_request', 'pull_request_review', 'pull_request_review_comment', 'pull_request_target'];

export function checkTask(document: RawObject, version: Version, report: Report): void {
  const spec = asObject(document['spec']);
  if (spec) checkExecution({ owner: 'Task', spec, path: ['spec'] }, version, report);
}

export function checkTaskSpawner(document: RawObject, version: Version, report: Report): void {
  const spec = asObject(document['spec']);
  if (!spec) return;
  const when = asObject(spec['when']);
  const template = asObject(spec['taskTemplate']);

  if (when) checkWhen(when, version, report);
  if (template) {
    checkExecution({ owner: 'TaskTemplate', spec: template, path: ['spec', 'taskTemplate'] }, version, report);
    checkContextSources(template, report);
    checkTemplates(template, report);
  }
  if (when && template) checkWorkspaceSource(when, template, version, report);
  if (template && version === 'v1alpha2') checkSpawnerCredentials(spec, template, report);
}

function checkWhen(when: RawObject, version: Version, report: Report): void {
  const configured = SOURCE_KINDS.filter((source) => has(when, source));
  // Kelos documents "exactly one" but does not enforce it; a second source would be silently ignored there.
  if (configured.length === 0) {
    report(['spec', 'when'], `exactly one source must be set: one of ${SOURCE_KINDS.join(', ')}`);
  } else if (configured.length > 1) {
    report(['spec', 'when'], `exactly one source must be set (got ${configured.join(', ')})`);
  }

  const issues = asObject(when['githubIssues']);
  if (has(asObject(issues?.['reporting']), 'checks')) {
    report(
      ['spec', 'when', 'githubIssues', 'reporting', 'checks'],
      'checks reporting is not supported for githubIssues source',
    );
  }
  if (version === 'v1alpha1') {
    for (const source of ['githubIssues', 'githubPullRequests'] as const) {
      const config = asObject(when[source]);
      if (has(config, 'commentPolicy') && (isSet(config?.['triggerComment']) || isSet(config?.['excludeComments']))) {
        report(
          ['spec', 'when', source, 'commentPolicy'],
          'commentPolicy cannot be used with triggerComment or excludeComments',
        );
      }
    }
  }

  const githubWebhook = asObject(when['githubWebhook']);
  if (has(asObject(githubWebhook?.['reporting']), 'checks')) {
    const events = list(githubWebhook?.['events']);
    if (!events.some((event) => PULL_REQUEST_EVENTS.includes(str(event)))) {
      report(
        ['spec', 'when', 'githubWebhook', 'reporting', 'checks'],
        `checks reporting requires at least one pull-request event type (${PULL_REQUEST_EVENTS.join(', ')})`,
      );
    }
  }

  const generic = asObject(when['webhook']);
  if (generic) {
    const mapping = asObject(generic['fieldMapping']);
    if (mapping && !('id' in mapping)) {
      report(
        ['spec', 'when', 'webhook', 'fieldMapping'],
        "must include an 'id' key for deduplication and task naming",
      );
    }
    for (const [name, path] of Object.entries(mapping ?? {})) {
      checkWebhookJsonPath(['spec', 'when', 'webhook', 'fieldMapping', name], path, report);
    }
    for (const field of ['filters', 'excludeFilters'] as const) {
      list(generic[field]).forEach((filter, index) => {
        const object = asObject(filter);
        if (object && has(object, 'value') === isSet(object['pattern'])) {
          report(['spec', 'when', 'webhook', field, index], 'exactly one of value or pattern must be set');
        }
        checkWebhookJsonPath(['spec', 'when', 'webhook', field, index, 'field'], object?.['field'], report);
      });
    }
  }
}

/**
 * A JSONPath Kelos could not parse fails every delivery (the spawner is skipped, and a broken exclude filter is
 * an error rather than a pass), so it is reported when the manifest is applied. Non-strings are the schema's job.
 */
function checkWebhookJsonPath(path: PathSegment[], value: unknown, report: Report): void {
  if (typeof value !== 'string') return;
  try {
    checkJsonPath(value);
  } catch (error) {
    if (!(error instanceof JsonPathError)) throw error;
    report(path, error.message);
  }
}

function checkWorkspaceSource(when: RawObject, template: RawObject, version: Version, report: Report): void {
  const source = WORKSPACE_SOURCES.find((name) => has(when, name));
  if (source === undefined) return;
  const worker = asObject(template['worker']);
  const satisfied =
    has(template, 'workspaceRef') ||
    (version === 'v1alpha2' && (has(worker, 'workspaceRef') || has(template, 'workerPoolRef')));
  if (!satisfied) {
    report(
      ['spec', 'taskTemplate', 'workspaceRef'],
      version === 'v1alpha2'
        ? `is required when using the ${source} source (or set taskTemplate.worker.workspaceRef or taskTemplate.workerPoolRef)`
        : `is required when using the ${source} source`,
    );
  }
}

function checkSpawnerCredentials(spec: RawObject, template: RawObject, report: Report): void {
  const worker = asObject(template['worker']);
  const hasPool = has(template, 'workerPoolRef');
  const hasPoolCredentials = has(spec, 'credentials');

  if (!hasPool && !hasPoolCredentials) {
    if (worker && str(worker['type']) !== '' && !has(worker, 'credentials')) {
      report(['spec', 'taskTemplate', 'worker', 'credentials'], 'is required (or set spec.credentials)');
    } else if (!worker && str(template['type']) !== '' && !has(template, 'credentials')) {
      report(['spec', 'taskTemplate', 'credentials'], 'is required (or set spec.credentials)');
    }
  }
  if (hasPoolCredentials && (hasPool || has(template, 'credentials') || has(worker, 'credentials'))) {
    report(['spec', 'credentials'], 'spec.credentials is mutually exclusive with taskTemplate credentials and workerPoolRef');
  }
  const names = new Set<string>();
  list(spec['credentials']).forEach((credential, index) => {
    const name = str(asObject(credential)?.['name']);
    if (name !== '' && names.has(name)) {
      report(['spec', 'credentials', index, 'name'], `duplicate name ${JSON.stringify(name)}`);
    }
    names.add(name);
  });
}

function checkContextSources(template: RawObject, report: Report): void {
  const names = new Set<string>();
  list(template['contextSources']).forEach((entry, index) => {
    const source = asObject(entry);
    if (!source) return;
    const name = str(source['name']);
    if (name !== '' && names.has(name)) {
      report(['spec', 'taskTemplate', 'contextSources', index, 'name'], `duplicate name ${JSON.stringify(name)}`);
    }
    names.add(name);
    if (!has(source, 'http')) {
      report(
        ['spec', 'taskTemplate', 'contextSources', index, 'http'],
        'is required (http is currently the only context source kind)',
      );
    }
    // A filter that cannot be parsed would fail every fetch: say so when the manifest is applied.
    const expression = asObject(asObject(source['http'])?.['responseFilter'])?.['expression'];
    if (typeof expression === 'string') {
      try {
        checkJsonPath(expression);
      } catch (err) {
        report(['spec', 'taskTemplate', 'contextSources', index, 'http', 'responseFilter', 'expression'], (err as Error).message);
      }
    }
  });
}

export function checkWorkspace(document: RawObject, _version: Version, report: Report): void {
  const names = new Set<string>();
  list(asObject(document['spec'])?.['remotes']).forEach((remote, index) => {
    const name = str(asObject(remote)?.['name']);
    if (name === 'origin') {
      report(['spec', 'remotes', index, 'name'], "remote name 'origin' is reserved for the clone source");
    } else if (name !== '' && names.has(name)) {
      report(['spec', 'remotes', index, 'name'], `remote names must be unique (duplicate ${JSON.stringify(name)})`);
    }
    names.add(name);
  });
  list(asObject(document['spec'])?.['files']).forEach((file, index) => {
    const filePath = asObject(file)?.['path'];
    if (typeof filePath !== 'string' || filePath === '') return; // the schema reports those
    const problem = workspaceFilePathProblem(filePath);
    if (problem) report(['spec', 'files', index, 'path'], `${problem} (got ${JSON.stringify(filePath)})`);
  });
}

export function checkAgentConfig(document: RawObject, _version: Version, report: Report): void {
  list(asObject(document['spec'])?.['mcpServers']).forEach((entry, index) => {
    const server = asObject(entry);
    const type = str(server?.['type']);
    if (type === 'stdio' && !isSet(server?.['command'])) {
      report(['spec', 'mcpServers', index, 'command'], 'is required when type is stdio');
    }
    if ((type === 'http' || type === 'sse') && !isSet(server?.['url'])) {
      report(['spec', 'mcpServers', index, 'url'], 'is required when type is http or sse');
    }
  });
}

/** Kelos's TaskBudget rules: a limit is set, the cost is a non-negative amount, the timezone is one the clock knows. */
export function checkTaskBudget(document: RawObject, _version: Version, report: Report): void {
  const spec = asObject(document['spec']);
  if (!spec) return; // the schema reports a missing spec
  if (!isSet(spec['maxCostUSD']) && !isSet(spec['maxInputTokens']) && !isSet(spec['maxOutputTokens'])) {
    report(['spec'], 'at least one of maxCostUSD, maxInputTokens, or maxOutputTokens must be set');
  }
  const cost = spec['maxCostUSD'];
  if ((typeof cost === 'string' || typeof cost === 'number') && !isUsdAmount(String(cost))) {
    report(['spec', 'maxCostUSD'], `must be a non-negative decimal amount such as "25" or "12.50" (got ${JSON.stringify(cost)})`);
  }
  const timezone = asObject(spec['period'])?.['timezone'];
  if (typeof timezone === 'string' && timezone !== '' && !isTimeZone(timezone)) {
    report(['spec', 'period', 'timezone'], `must be a valid IANA time zone (got ${JSON.stringify(timezone)})`);
  }
}

/** Kelos's WorkerPool rules: the pool's worker names its agent type, credentials and Workspace. */
export function checkWorkerPool(document: RawObject, _version: Version, report: Report): void {
  const worker = asObject(asObject(document['spec'])?.['worker']);
  if (!worker) return; // the schema reports a missing spec or worker
  if (typeof worker['type'] !== 'string' || worker['type'] === '') report(['spec', 'worker', 'type'], 'worker.type is required');
  if (!isSet(worker['credentials'])) report(['spec', 'worker', 'credentials'], 'worker.credentials is required');
  if (!isSet(worker['workspaceRef'])) report(['spec', 'worker', 'workspaceRef'], 'worker.workspaceRef is required');
}

function isUsdAmount(text: string): boolean {
  return /^\d+(\.\d+)?$/.test(text.trim());
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
