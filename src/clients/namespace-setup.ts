/**
 * `kelos setup`: makes a Temporal namespace ready for kelos, idempotently — the namespace (created with a retention
 * when it is missing and the server allows it) and the search attributes of src/store/search-attributes.ts (the list the
 * dev server is started with, too). What it cannot do is said per item with the reason: on Temporal Cloud the operator
 * API is refused, so it prints the `tcld` command and the Web UI step instead; a search attribute registered with
 * another type cannot be changed, only reported.
 */
import { msToTs } from '@temporalio/common/lib/time';
import { ALL_SEARCH_ATTRIBUTES, searchAttributeTypeName } from '../store/search-attributes';
import {
  firstLine,
  INDEXED_VALUE_TYPE,
  inspectSearchAttributes,
  isNotFound,
  isRefusal,
  grpcCode,
  type SearchAttributeFinding,
  type TemporalServices,
} from './search-attribute-readiness';

export type SetupOutcome = 'created' | 'already present' | 'cannot';

export interface SetupItem {
  item: string;
  outcome: SetupOutcome;
  detail?: string;
}

export interface SetupReport {
  items: SetupItem[];
  /** Steps for a person (Temporal Cloud's tcld and Web UI), when the server would not take them. */
  instructions: string[];
  /** True when everything kelos needs is there. */
  ready: boolean;
}

export interface SetupOptions {
  /** Retention of closed workflows for a namespace kelos creates. */
  retentionMs: number;
  /** How long a newly created namespace may take to be usable (the server's namespace cache); tests shorten it. */
  namespaceWaitMs?: number;
}

const ALREADY_EXISTS = 6;

export async function setUpNamespace(services: TemporalServices, namespace: string, options: SetupOptions): Promise<SetupReport> {
  const items: SetupItem[] = [];
  const namespaceItem = await ensureNamespace(services, namespace, options);
  items.push(namespaceItem);
  if (namespaceItem.outcome === 'cannot') {
    return { items, instructions: cloudNamespaceInstructions(namespace, options.retentionMs), ready: false };
  }
  let report = await waitForNamespace(() => inspectSearchAttributes(services, namespace), options.namespaceWaitMs ?? 30_000);
  if (report.kind === 'no-namespace') {
    items.push({ item: 'search attributes', outcome: 'cannot', detail: `namespace "${namespace}" is not usable yet: run kelos setup again in a minute` });
    return { items, instructions: [], ready: false };
  }
  let refusal = report.kind === 'probed' ? report.refusal : undefined;
  let failure: string | undefined;
  const before = report.findings;
  const missing = before.filter((finding) => !finding.registeredAs);
  if (missing.length && !refusal) {
    try {
      await services.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((finding) => [finding.name, INDEXED_VALUE_TYPE[neededType(finding)]])),
      });
    } catch (err) {
      // Refused: Temporal Cloud's way (instructions follow). Failed: e.g. a SQL visibility store out of columns.
      if (isRefusal(err)) refusal = firstLine(err);
      else failure = firstLine(err);
    }
    // Read back: the server silently keeps an existing attribute's type, and another setup may have run meanwhile.
    if (!refusal) report = await inspectSearchAttributes(services, namespace);
  }
  const after = report.kind === 'no-namespace' ? before : report.findings;
  for (const finding of after) {
    const wasMissing = !before.find((b) => b.name === finding.name)?.registeredAs;
    items.push(searchAttributeItem(finding, wasMissing, namespace, refusal, failure));
  }
  const stillMissing = after.filter((finding) => !finding.registeredAs);
  const instructions = refusal && stillMissing.length ? cloudSearchAttributeInstructions(namespace, stillMissing) : [];
  return { items, instructions, ready: items.every((item) => item.outcome !== 'cannot') };
}

async function ensureNamespace(services: TemporalServices, namespace: string, options: SetupOptions): Promise<SetupItem> {
  const item = `namespace ${namespace}`;
  try {
    const described = await services.workflowService.describeNamespace({ namespace });
    const seconds = Number(described.config?.workflowExecutionRetentionTtl?.seconds ?? 0);
    return { item, outcome: 'already present', ...(seconds ? { detail: `retention ${formatRetention(seconds * 1000)}` } : {}) };
  } catch (err) {
    if (isRefusal(err)) return { item, outcome: 'cannot', detail: `cannot read it: ${firstLine(err)}` };
    if (!isNotFound(err)) throw err;
  }
  try {
    await services.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(options.retentionMs),
      description: 'created by kelos setup',
    });
    return { item, outcome: 'created', detail: `retention ${formatRetention(options.retentionMs)}` };
  } catch (err) {
    if (grpcCode(err) === ALREADY_EXISTS) return { item, outcome: 'already present' };
    if (isRefusal(err)) return { item, outcome: 'cannot', detail: `it does not exist and the server refuses to create it: ${firstLine(err)}` };
    return { item, outcome: 'cannot', detail: `it does not exist and creating it failed: ${firstLine(err)}` };
  }
}

/** A namespace just registered is unknown to parts of the server for a moment (about a second on the dev server). */
async function waitForNamespace<T extends { kind: string }>(inspect: () => Promise<T>, waitMs: number): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const report = await inspect();
    if (report.kind !== 'no-namespace' || Date.now() > deadline) return report;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function searchAttributeItem(finding: SearchAttributeFinding, wasMissing: boolean, namespace: string, refusal?: string, failure?: string): SetupItem {
  const item = `search attribute ${finding.name} (${finding.needed})`;
  if (!finding.registeredAs) {
    const why = refusal ? `missing, and the server refuses to add it (${refusal}): see below` : failure ? `adding it failed: ${failure}` : 'missing after adding it: see the server log';
    return { item, outcome: 'cannot', detail: why };
  }
  if (finding.registeredAs !== finding.needed) {
    return {
      item,
      outcome: 'cannot',
      detail:
        `registered as ${finding.registeredAs}; a search attribute's type cannot change: remove it if nothing else uses it ` +
        `(\`temporal operator search-attribute remove --name ${finding.name} --namespace ${namespace}\`; on Temporal Cloud ask support, or rename it with ` +
        `\`tcld namespace search-attributes rename\`) and run kelos setup again`,
    };
  }
  return { item, outcome: wasMissing ? 'created' : 'already present' };
}

function neededType(finding: SearchAttributeFinding): (typeof ALL_SEARCH_ATTRIBUTES)[number]['type'] {
  return ALL_SEARCH_ATTRIBUTES.find((key) => key.name === finding.name)!.type;
}

/** Temporal Cloud: its namespaces' search attributes are managed with tcld (or the Cloud Web UI), not the operator API. */
export function cloudSearchAttributeInstructions(namespace: string, missing: SearchAttributeFinding[]): string[] {
  return [
    'On Temporal Cloud, add them with tcld (logged in as an account or namespace admin):',
    `  tcld namespace search-attributes add --namespace ${namespace} ${missing.map((finding) => `--search-attribute ${finding.name}=${finding.needed}`).join(' ')}`,
    `or in the Cloud Web UI: Namespaces > ${namespace} > Edit > Custom Search Attributes > Add, one per missing line above (name and type as shown).`,
    'Then run kelos setup again to check.',
  ];
}

export function cloudNamespaceInstructions(namespace: string, retentionMs: number): string[] {
  return [
    'On Temporal Cloud, create the namespace with tcld or in the Cloud Web UI (Namespaces > Create Namespace), for example:',
    `  tcld namespace create --namespace ${namespace.replace(/\..*$/, '')} --region <region> --retention-days ${Math.max(1, Math.round(retentionMs / 86_400_000))} ${ALL_SEARCH_ATTRIBUTES.map((key) => `--search-attribute ${key.name}=${searchAttributeTypeName(key.type)}`).join(' ')}`,
    'Then run kelos setup again to check.',
  ];
}

/** `7d`, `36h`, `90m`: retention as a person writes it. */
export function formatRetention(ms: number): string {
  const hours = ms / 3_600_000;
  if (Number.isInteger(hours / 24)) return `${hours / 24}d`;
  if (Number.isInteger(hours)) return `${hours}h`;
  return `${Math.round(ms / 60_000)}m`;
}

export function formatSetupItem(item: SetupItem): string {
  return `${item.item}: ${item.outcome}${item.detail ? ` (${item.detail})` : ''}`;
}
