/**
 * The JQL a jira source searches with (kelos-behaviour §2.5): `project = P`, or `project = P AND (<jql>)` with a
 * trailing `ORDER BY …` lifted out of the parentheses, since JQL accepts ORDER BY only at the top level. As in
 * Kelos the last `ORDER BY` (any case) is the split point. Unlike Kelos, a jql that is only an ORDER BY does not
 * become `AND ()` (which Jira rejects).
 */
export function jiraSearchJql(project: string, jql: string | undefined): string {
  const text = (jql ?? '').trim();
  if (!text) return `project = ${project}`;
  const at = text.toUpperCase().lastIndexOf('ORDER BY');
  const filter = (at < 0 ? text : text.slice(0, at)).trim();
  const orderBy = at < 0 ? '' : text.slice(at).trim();
  const base = filter ? `project = ${project} AND (${filter})` : `project = ${project}`;
  return orderBy ? `${base} ${orderBy}` : base;
}
