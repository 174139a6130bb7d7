/**
 * Jira credentials from the source's secret (kelos-behaviour §2.5): `JIRA_TOKEN` always; with `JIRA_USER` the pair
 * is Basic auth (Jira Cloud: account email + API token), without it the token is a Data Center/Server personal
 * access token sent as `Bearer`.
 */
export type JiraCredentials = { mode: 'basic'; user: string; token: string } | { mode: 'bearer'; token: string };

export function jiraCredentialsFromSecret(secretName: string, data: Record<string, string>): JiraCredentials {
  const token = data.JIRA_TOKEN?.trim();
  if (!token) throw new Error(`secret "${secretName}" has no JIRA_TOKEN (keys present: ${Object.keys(data).sort().join(', ') || 'none'})`);
  const user = data.JIRA_USER?.trim();
  return user ? { mode: 'basic', user, token } : { mode: 'bearer', token };
}

export function describeAuth(credentials: JiraCredentials): string {
  return credentials.mode === 'basic' ? `Basic auth as ${credentials.user} (JIRA_USER + JIRA_TOKEN)` : 'a Bearer personal access token (JIRA_TOKEN, no JIRA_USER)';
}
