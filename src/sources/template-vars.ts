/**
 * The template variable set. Kelos renders with missingkey=error and leaves some documented variables out
 * of the map for some sources (so `{{.Body}}` fails on a GitHub webhook issue with an empty body). We decide:
 * every variable of the seed's table, plus the webhook extras, is present for every source, empty (or 0 / an
 * empty list) when the source has no value. Misspelt names still fail, as in Kelos.
 */
import type { SourceKind as SpawnerSourceKind } from '../model/types';

export type TemplateVars = Record<string, unknown>;

/** Where a Task's variables come from: its spawner's source (Slack is not run yet), or `kelos run --from` (manual). */
export type SourceKind = Exclude<SpawnerSourceKind, 'slack'> | 'manual';

/** Every variable and its empty value. */
export const EMPTY_TEMPLATE_VARS: Readonly<TemplateVars> = Object.freeze({
  ID: '',
  Number: 0,
  Title: '',
  Body: '',
  URL: '',
  Labels: '',
  Comments: '',
  Kind: '',
  Event: '',
  Action: '',
  Sender: '',
  Branch: '',
  Ref: '',
  Repository: '',
  RepositoryOwner: '',
  RepositoryName: '',
  Payload: '',
  ReviewState: '',
  ReviewComments: '',
  Type: '',
  State: '',
  IssueID: '',
  Time: '',
  Schedule: '',
  // GitHub webhook extras (Kelos adds them only when non-empty).
  CommentBody: '',
  CommentURL: '',
  ChangedFiles: [] as string[],
  Tag: '',
  RefType: '',
  CheckName: '',
  Conclusion: '',
  CheckRunURL: '',
  HeadSHA: '',
  CheckApp: '',
  // `kelos run --from` extras.
  TriggerType: '',
  TriggerTime: '',
});

/** `Kind` when the source does not set one (seed table). */
const DEFAULT_KIND: Record<SourceKind, string> = {
  githubIssues: 'Issue',
  githubPullRequests: 'PR',
  githubWebhook: 'webhook',
  jira: 'Issue',
  linearWebhook: 'LinearWebhook',
  webhook: 'GenericWebhook',
  cron: 'Issue',
  manual: 'Manual',
};

/** The full variable map for one item: empty defaults, then the source's defaults, then the item's values. */
export function templateVarsFor(source: SourceKind, values: TemplateVars = {}): TemplateVars {
  return { ...EMPTY_TEMPLATE_VARS, Kind: DEFAULT_KIND[source], ...values };
}
