/** Printing helpers shared by the CLI commands: tables, YAML/JSON, ages. */
import YAML from 'yaml';

export type OutputFormat = 'table' | 'json' | 'yaml';

export function parseOutputFormat(value: string | undefined, allowed: OutputFormat[] = ['json', 'yaml']): OutputFormat {
  if (value === undefined) return 'table';
  if (!allowed.includes(value as OutputFormat)) throw new Error(`invalid output format "${value}": use one of ${allowed.join(', ')}`);
  return value as OutputFormat;
}

export function printObjects(objects: unknown[], format: Exclude<OutputFormat, 'table'>, single: boolean): void {
  const value = single ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
  process.stdout.write(format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : YAML.stringify(value));
}

export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('   ').trimEnd();
  process.stdout.write(`${[line(headers), ...rows.map(line)].join('\n')}\n`);
}

/** Kubernetes-style age: 5s, 3m, 2h, 4d. */
export function age(since: string | undefined, now = Date.now()): string {
  if (!since) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}
