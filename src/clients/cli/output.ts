/** Printing helpers shared by the CLI commands: tables, YAML/JSON, ages. Output is written item by item. */
import YAML from 'yaml';
import { writeOut } from './flushed-exit';

export type OutputFormat = 'table' | 'json' | 'yaml';

export function parseOutputFormat(value: string | undefined, allowed: OutputFormat[] = ['json', 'yaml']): OutputFormat {
  if (value === undefined) return 'table';
  if (!allowed.includes(value as OutputFormat)) throw new Error(`invalid output format "${value}": use one of ${allowed.join(', ')}`);
  return value as OutputFormat;
}

/**
 * One object, or a `List` of them, byte for byte what `JSON.stringify(list, null, 2)` / `YAML.stringify(list)` give,
 * but written one item at a time with backpressure: a listing of 10,000 Tasks never becomes one giant string.
 */
export async function printObjects(objects: Iterable<unknown>, format: Exclude<OutputFormat, 'table'>, single: boolean): Promise<void> {
  if (single) {
    const [only] = objects;
    return writeOut(format === 'json' ? `${JSON.stringify(only, null, 2)}\n` : YAML.stringify(only));
  }
  if (format === 'json') return printJsonList(objects);
  return printYamlList(objects);
}

async function printJsonList(objects: Iterable<unknown>): Promise<void> {
  let first = true;
  for (const object of objects) {
    await writeOut(`${first ? '{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": [\n' : ',\n'}${indent(JSON.stringify(object, null, 2), '    ')}`);
    first = false;
  }
  await writeOut(first ? '{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": []\n}\n' : '\n  ]\n}\n');
}

async function printYamlList(objects: Iterable<unknown>): Promise<void> {
  let first = true;
  for (const object of objects) {
    await writeOut(`${first ? 'apiVersion: v1\nkind: List\nitems:\n' : ''}${indent(YAML.stringify([object]).trimEnd(), '  ')}\n`);
    first = false;
  }
  if (first) await writeOut('apiVersion: v1\nkind: List\nitems: []\n');
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line ? prefix + line : line))
    .join('\n');
}

export async function printTable(headers: string[], rows: string[][]): Promise<void> {
  const widths = headers.map((h, i) => rows.reduce((width, row) => Math.max(width, (row[i] ?? '').length), h.length));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('   ').trimEnd();
  await writeOut(`${line(headers)}\n`);
  for (const row of rows) await writeOut(`${line(row)}\n`);
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
