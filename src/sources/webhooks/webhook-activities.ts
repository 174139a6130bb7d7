/**
 * The lookups a webhook spawner needs now and then, as activities (the spawner workflow cannot do I/O):
 * - a pull request's changed files, for `filePatterns` on PR events (only when a filter would match otherwise);
 * - a pull request's head branch, for `issue_comment` deliveries on PRs (`{{.Branch}}`; failures leave it empty);
 * - a Linear issue's labels, for label filters on Comment events (only with `LINEAR_API_KEY` set on the worker).
 * GitHub credentials come from the spawner's Workspace secret, else the worker's `GITHUB_TOKEN`.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { localSecretSource, type SecretSource } from '../../host/secret-source';
import { githubClientFor } from '../github/github-access';
import { githubFailure } from '../github/github-client';
import { rateLimited, retryDelayMs, unauthorized } from '../polling/source-errors';

export interface WebhookActivityDeps {
  client: Client;
  home: string;
  /** Where secret values are read (default: the local secret store under `home`). */
  secrets?: SecretSource;
  env?: Record<string, string | undefined>;
}

export interface PullRequestRef {
  namespace: string;
  workspaceRef?: string;
  owner: string;
  repo: string;
  number: number;
}

const LINEAR_API_URL = 'https://api.linear.app/graphql';

export function createWebhookActivities(deps: WebhookActivityDeps) {
  const secrets = deps.secrets ?? localSecretSource(deps.home);
  const env = deps.env ?? process.env;

  async function githubFor(ref: PullRequestRef) {
    return (await githubClientFor({ client: deps.client, secrets, env }, { namespace: ref.namespace, ...(ref.workspaceRef ? { workspaceRef: ref.workspaceRef } : {}) })).octokit;
  }

  async function fetchPullRequestFiles(ref: PullRequestRef): Promise<string[]> {
    const octokit = await githubFor(ref);
    try {
      const files = await octokit.paginate(octokit.rest.pulls.listFiles, { owner: ref.owner, repo: ref.repo, pull_number: ref.number, per_page: 100 });
      return files.map((file) => file.filename);
    } catch (err) {
      throw githubFailure(err, `reading changed files of ${ref.owner}/${ref.repo}#${ref.number}`);
    }
  }

  /** Head branch and SHA, or undefined when GitHub cannot tell us (Kelos only logs such failures). */
  async function fetchPullRequestHead(ref: PullRequestRef): Promise<{ ref: string; sha: string } | undefined> {
    try {
      const octokit = await githubFor(ref);
      const { data } = await octokit.rest.pulls.get({ owner: ref.owner, repo: ref.repo, pull_number: ref.number });
      return { ref: data.head.ref, sha: data.head.sha };
    } catch {
      return undefined;
    }
  }

  /**
   * The parent issue's label names through Linear's GraphQL API; undefined without `LINEAR_API_KEY` (filters then
   * proceed without labels, as in Kelos). One small query, so plain fetch rather than the whole Linear SDK.
   */
  async function fetchLinearIssueLabels(input: { issueId: string }): Promise<string[] | undefined> {
    const key = env.LINEAR_API_KEY?.trim();
    if (!key) return undefined;
    const url = env.LINEAR_API_URL?.trim() || LINEAR_API_URL;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: key },
      body: JSON.stringify({ query: 'query IssueLabels($id: String!) { issue(id: $id) { labels { nodes { name } } } }', variables: { id: input.issueId } }),
    });
    if (response.status === 429) {
      const delay = retryDelayMs({ retryAfter: response.headers.get('retry-after') }, Date.now()) ?? 60_000;
      throw rateLimited(`Linear rate limit while reading labels of issue ${input.issueId}`, delay);
    }
    if (response.status === 401 || response.status === 403) throw unauthorized(`Linear refused LINEAR_API_KEY (${response.status}) while reading labels of issue ${input.issueId}`);
    if (!response.ok) throw new Error(`Linear answered ${response.status} while reading labels of issue ${input.issueId}`);
    const body = (await response.json()) as { data?: { issue?: { labels?: { nodes?: { name?: string }[] } } | null }; errors?: { message?: string }[] };
    if (body.errors?.length) throw ApplicationFailure.nonRetryable(`Linear: ${body.errors.map((e) => e.message).join('; ')}`, 'SourceBadResponse');
    return (body.data?.issue?.labels?.nodes ?? []).flatMap((node) => (node.name ? [node.name] : []));
  }

  return { fetchPullRequestFiles, fetchPullRequestHead, fetchLinearIssueLabels };
}
