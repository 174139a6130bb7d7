/**
 * Splits manifest text into documents: multi-document YAML, or JSON (an object, an array, or a Kubernetes
 * `List`). Empty documents are skipped and not counted, so `#N` is the N-th resource document a user sees.
 * Items of a List/array share their document's number and get a path prefix (`items[2]`, `[2]`).
 */
import { parseAllDocuments } from 'yaml';
import { ManifestError } from './manifest-error';
import { asObject } from './raw';

export interface ManifestDocument {
  /** 1-based index among the non-empty documents of the source. */
  document: number;
  /** '' for a whole document, `items[i]` / `[i]` for List / array items. */
  prefix: string;
  value: unknown;
}

export interface SplitResult {
  documents: ManifestDocument[];
  errors: ManifestError[];
}

function expand(value: unknown, document: number): ManifestDocument[] {
  if (Array.isArray(value)) return value.map((item, i) => ({ document, prefix: `[${i}]`, value: item }));
  const object = asObject(value);
  // `kind: List` (kubectl) or `kind: TaskList` etc. with an items array.
  if (object && typeof object['kind'] === 'string' && object['kind'].endsWith('List') && Array.isArray(object['items'])) {
    return object['items'].map((item: unknown, i: number) => ({ document, prefix: `items[${i}]`, value: item }));
  }
  return [{ document, prefix: '', value }];
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(trimmed) };
  } catch {
    return { ok: false }; // let the YAML parser report a positioned error
  }
}

export function splitDocuments(text: string, source: string): SplitResult {
  const json = tryJson(text);
  if (json.ok) return { documents: expand(json.value, 1), errors: [] };

  const documents: ManifestDocument[] = [];
  const errors: ManifestError[] = [];
  let index = 0;
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      index += 1;
      for (const error of doc.errors) {
        const firstLine = error.message.split('\n')[0]!;
        errors.push(new ManifestError({ source, document: index, path: '', message: `invalid YAML: ${firstLine}` }));
      }
      continue;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    // Comment-only and empty documents (e.g. around a leading or trailing `---`) are not resources.
    if (value === null || value === undefined) continue;
    index += 1;
    documents.push(...expand(value, index));
  }
  return { documents, errors };
}
