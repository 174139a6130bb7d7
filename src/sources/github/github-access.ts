/**
 * How an activity reaches GitHub for a spawner: the repository (source `repo` override or the Workspace's repo
 * URL), the API base (github.com, GitHub Enterprise, or the worker's `GITHUB_API_URL`), and credentials from the
 * Workspace's secret. Resolved in activities only: the token never enters workflow history.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { githubApiBaseUrl, githubTarget, type GitHubTarget } from './repo-target';
import type { SecretSource } from '../../host/secret-source';
import { readStoredResource } from '../../store/read-stored-resource';
import type { WorkspaceSpec } from '../../model/types';
import { createHash } from 'node:crypto';
import { createGitHubClient, type GitHubClient } from './github-client';
import { githubCredentialsFromSecret, type GitHubCredentials } from './github-credentials';

export interface GitHubAccess {
  baseUrl: string;
  /** Absent when neither an override nor a Workspace names a repository (webhooks take it from the payload). */
  target?: GitHubTarget;
  credentials: GitHubCredentials;
}

export interface GitHubAccessDeps {
  client: Client;
  secrets: SecretSource;
  env: Record<string, string | undefined>;
}

export async function resolveGitHubAccess(
  deps: GitHubAccessDeps,
  request: { namespace: string; workspaceRef?: string; repoOverride?: string; requireRepo: boolean },
): Promise<GitHubAccess> {
  const workspace = request.workspaceRef ? await readStoredResource(deps.client, 'Workspace', request.namespace, request.workspaceRef) : undefined;
  if (request.workspaceRef && !workspace) {
    throw ApplicationFailure.nonRetryable(`Workspace "${request.workspaceRef}" not found in namespace "${request.namespace}"`, 'ResourceNotFound');
  }
  const spec: Partial<WorkspaceSpec> = workspace?.spec ?? {};
  const parsed = githubTarget(request.repoOverride, spec.repo);
  if ('error' in parsed && request.requireRepo) throw ApplicationFailure.nonRetryable(parsed.error, 'InvalidSource');
  const target = 'error' in parsed ? undefined : parsed;
  const baseUrl = githubApiBaseUrl(deps.env.GITHUB_API_URL, target);
  return { baseUrl, ...(target ? { target } : {}), credentials: await credentialsFor(deps, request.namespace, spec.secretRef?.name) };
}

async function credentialsFor(deps: GitHubAccessDeps, namespace: string, secretName: string | undefined): Promise<GitHubCredentials> {
  if (!secretName) return { kind: 'none', identity: 'anonymous' };
  try {
    return githubCredentialsFromSecret(secretName, await deps.secrets.read(namespace, secretName));
  } catch (err) {
    throw ApplicationFailure.nonRetryable((err as Error).message, 'SecretInvalid');
  }
}

/**
 * A client for writes and lookups on behalf of a spawner's Tasks (webhook enrichment, reporting): the Workspace's
 * credentials, else the worker's `GITHUB_TOKEN`.
 */
export async function githubClientFor(
  deps: GitHubAccessDeps,
  request: { namespace: string; workspaceRef?: string; repoOverride?: string },
): Promise<GitHubClient & { credentials: GitHubCredentials; baseUrl: string }> {
  const access = await resolveGitHubAccess(deps, { ...request, requireRepo: false });
  let credentials = access.credentials;
  const token = deps.env.GITHUB_TOKEN?.trim();
  if (credentials.kind === 'none' && token) credentials = { kind: 'token', token, identity: `token:${createHash('sha256').update(token).digest('hex').slice(0, 16)}` };
  return { ...createGitHubClient({ baseUrl: access.baseUrl, credentials }), credentials, baseUrl: access.baseUrl };
}
