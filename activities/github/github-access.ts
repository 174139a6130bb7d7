/**
 * How an activity reaches GitHub for a spawner: the repository (source `repo` override or the Workspace's repo
 * URL), the API base (github.com, GitHub Enterprise, or the worker's `GITHUB_API_URL`), and credentials from the
 * Workspace's secret. Resolved in activities only: the token never enters workflow history.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { githubTarget, type GitHubTarget } from '../../api/sources/github/repo-target';
import type { LocalSecretStore } from '../../host/secret-store';
import { readStoredResource } from '../resources/stored-resources';
import { githubCredentialsFromSecret, type GitHubCredentials } from './github-credentials';

export interface GitHubAccess {
  baseUrl: string;
  /** Absent when neither an override nor a Workspace names a repository (webhooks take it from the payload). */
  target?: GitHubTarget;
  credentials: GitHubCredentials;
}

export interface GitHubAccessDeps {
  client: Client;
  secrets: LocalSecretStore;
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
  const spec = (workspace?.spec ?? {}) as { repo?: string; secretRef?: { name?: string } };
  const parsed = githubTarget(request.repoOverride, spec.repo);
  if ('error' in parsed && request.requireRepo) throw ApplicationFailure.nonRetryable(parsed.error, 'InvalidSource');
  const target = 'error' in parsed ? undefined : parsed;
  const baseUrl = deps.env.GITHUB_API_URL?.trim() || target?.apiBaseUrl || 'https://api.github.com';
  return { baseUrl, ...(target ? { target } : {}), credentials: credentialsFor(deps, request.namespace, spec.secretRef?.name) };
}

function credentialsFor(deps: GitHubAccessDeps, namespace: string, secretName: string | undefined): GitHubCredentials {
  if (!secretName) return { kind: 'none', identity: 'anonymous' };
  try {
    return githubCredentialsFromSecret(secretName, deps.secrets.get(namespace, secretName));
  } catch (err) {
    throw ApplicationFailure.nonRetryable((err as Error).message, 'SecretInvalid');
  }
}
