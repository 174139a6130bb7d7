/**
 * GitHub credentials from a Workspace's secret (kelos-behaviour §1.3): `GITHUB_TOKEN` (a PAT) or a GitHub App
 * (`appID`, `installationID`, `privateKey`; the `GITHUB_APP_*` spellings are accepted too). Only activities
 * read them. `identity` names the credentials for cache keys without containing the token.
 */
import { createHash } from 'node:crypto';

export type GitHubCredentials =
  | { kind: 'none'; identity: 'anonymous' }
  | { kind: 'token'; token: string; identity: string }
  | { kind: 'app'; appId: string; installationId: string; privateKey: string; identity: string };

const APP_KEYS = {
  appId: ['appID', 'GITHUB_APP_ID'],
  installationId: ['installationID', 'GITHUB_APP_INSTALLATION_ID'],
  privateKey: ['privateKey', 'GITHUB_APP_PRIVATE_KEY'],
} as const;

function first(data: Record<string, string>, keys: readonly string[]): string | undefined {
  for (const key of keys) if (data[key]?.trim()) return data[key].trim();
  return undefined;
}

/** The credentials in `data`, or an error naming the secret and the missing keys. */
export function githubCredentialsFromSecret(secretName: string, data: Record<string, string>): GitHubCredentials {
  const token = data.GITHUB_TOKEN?.trim();
  if (token) return { kind: 'token', token, identity: `token:${createHash('sha256').update(token).digest('hex').slice(0, 16)}` };
  const appId = first(data, APP_KEYS.appId);
  const installationId = first(data, APP_KEYS.installationId);
  const privateKey = first(data, APP_KEYS.privateKey);
  if (appId && installationId && privateKey) return { kind: 'app', appId, installationId, privateKey, identity: `app:${appId}:${installationId}` };
  const present = Object.keys(data).sort().join(', ') || 'none';
  throw new Error(`secret "${secretName}" has neither GITHUB_TOKEN nor appID + installationID + privateKey (keys present: ${present})`);
}
