/** Task names for spawned work, as Kelos derives them (kelos-behaviour §4.5, §4.6). */

/** Polling sources (issues, PRs, Jira, cron): `<spawner>-<id>`, lowercased, not otherwise sanitised. */
export function defaultTaskName(spawner: string, id: string): string {
  return `${spawner}-${id}`.toLowerCase();
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Turns a rendered `nameTemplate` into a Task name: lowercase, anything outside [a-z0-9.-] becomes '-',
 * cut to 63, '-' trimmed around each dot-separated label, empty labels dropped. Throws when nothing valid is left.
 */
export function sanitizeTaskName(rendered: string): string {
  if (rendered.includes('<no value>')) throw new Error(`nameTemplate rendered "<no value>" (a variable is missing): "${rendered}"`);
  const replaced = rendered.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 63);
  const name = replaced
    .split('.')
    .map((label) => label.replace(/^-+|-+$/g, ''))
    .filter((label) => label !== '')
    .join('.');
  if (!name || !DNS1123_SUBDOMAIN.test(name)) throw new Error(`nameTemplate rendered "${rendered}", which is not a valid Task name`);
  return name;
}
