/**
 * A GitHub App installation token for a Workspace whose secret holds App credentials: what an agent's git and gh
 * use on the Kubernetes runtime (the Pod cannot mint it itself). Installation tokens live one hour.
 */
import { Octokit } from '@octokit/rest';
import { createAppAuth } from '@octokit/auth-app';
import type { GitHubCredentials } from './github-credentials';

export interface InstallationToken {
  token: string;
  expiresAt: Date;
}

export async function mintInstallationToken(baseUrl: string, credentials: Extract<GitHubCredentials, { kind: 'app' }>): Promise<InstallationToken> {
  const octokit = new Octokit({
    baseUrl: baseUrl.replace(/\/+$/, ''),
    userAgent: 'kelos-temporal',
    authStrategy: createAppAuth,
    auth: { appId: credentials.appId, installationId: credentials.installationId, privateKey: credentials.privateKey },
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  try {
    const auth = (await octokit.auth({ type: 'installation' })) as { token: string; expiresAt: string };
    return { token: auth.token, expiresAt: new Date(auth.expiresAt) };
  } catch (err) {
    const status = (err as { status?: number }).status;
    throw new Error(`could not mint a GitHub App installation token (app ${credentials.appId}, installation ${credentials.installationId}) at ${baseUrl}${status ? `: GitHub answered ${status}` : ''}: ${(err as Error).message}`, { cause: err });
  }
}
