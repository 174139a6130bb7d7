/**
 * Public API of the Go `text/template` engine.
 *
 *   const t = parseTemplate('prompt', 'Fix #{{.Number}}: {{.Title}}');
 *   t.execute({ Number: 42, Title: 'crash' }, { missingKey: 'error' });
 *   renderTemplate('{{.Title}}', data, { missingKey: 'error' });
 *
 * Numbers: an integral JS number behaves as Go `int`, any other as `float64`. Data decoded from JSON
 * by Go has only float64 numbers (`1000000` prints `1e+06`, `eq .n 1` is an error); wrap such data
 * with {@link jsonNumbersAsFloat64} to reproduce that exactly.
 *
 * Deterministic and free of Node built-ins, so Temporal workflow code may import it.
 */
import { TemplateError } from './errors';
import { Executor, type ExecOptions, type MissingKey, type TemplateFunction } from './exec';
import { walk, type Node, type Tree } from './nodes';
import { parseTrees } from './parser';

export { TemplateError } from './errors';
export { GoFloat64, jsonNumbersAsFloat64 } from './values';
export { walk, nodeToString, children, NodeType } from './nodes';
export type * from './nodes';
export type { MissingKey, TemplateFunction } from './exec';
export { goSprint, goSprintf, goSprintln } from './go-format';

export interface ParseOptions {
  /** Extra functions (Kelos has none; tests and tools may add some). Names are checked at parse time. */
  funcs?: Readonly<Record<string, TemplateFunction>>;
}

export interface ExecuteOptions {
  /** Go's `missingkey` option. Kelos uses `error`. Default: `default` (prints `<no value>`). */
  missingKey?: MissingKey;
  /** Default 1 MiB. */
  maxOutputBytes?: number;
  /** Total range iterations per execution. Default 100 000. */
  maxIterations?: number;
  /** Nesting of `{{template}}` calls. Default 100. */
  maxTemplateDepth?: number;
  /** Go-style field aliases on maps (`.PullRequest` finds `pull_request`). Default true. */
  fieldAliases?: boolean;
}

export const DEFAULT_LIMITS = {
  maxOutputBytes: 1024 * 1024,
  maxIterations: 100_000,
  maxTemplateDepth: 100,
} as const;

export interface ParsedTemplate {
  readonly name: string;
  readonly text: string;
  /** The top-level tree. */
  readonly tree: Tree;
  /** Every tree of this parse: the top-level one plus each `define` / `block`. */
  readonly templates: ReadonlyMap<string, Tree>;
  /** Runs the template (or the named associated template) against `data`. */
  execute(data: unknown, options?: ExecuteOptions & { template?: string }): string;
  /** See {@link referencesField}. */
  referencesField(field: string): boolean;
}

function execOptions(o: ExecuteOptions | undefined, funcs: Readonly<Record<string, TemplateFunction>>): ExecOptions {
  return {
    missingKey: o?.missingKey ?? 'default',
    maxOutputBytes: o?.maxOutputBytes ?? DEFAULT_LIMITS.maxOutputBytes,
    maxIterations: o?.maxIterations ?? DEFAULT_LIMITS.maxIterations,
    maxTemplateDepth: o?.maxTemplateDepth ?? DEFAULT_LIMITS.maxTemplateDepth,
    fieldAliases: o?.fieldAliases ?? true,
    funcs,
  };
}

/** Parses `text` as template `name`; throws {@link TemplateError} (Go's message) on syntax errors. */
export function parseTemplate(name: string, text: string, options?: ParseOptions): ParsedTemplate {
  const funcs = options?.funcs ?? {};
  const templates = parseTrees(name, text, Object.keys(funcs));
  const tree = templates.get(name) ?? { name, parseName: name, root: { type: 'List', pos: 0, nodes: [] }, text };
  return {
    name,
    text,
    tree,
    templates,
    execute(data, opts) {
      return new Executor(templates, execOptions(opts, funcs)).execute(opts?.template ?? name, data);
    },
    referencesField(field) {
      return [...templates.values()].some((t) => referencesField(t, field));
    },
  };
}

/** Parses and executes in one step. The template name (for error messages) defaults to `template`. */
export function renderTemplate(
  text: string,
  data: unknown,
  options?: ExecuteOptions & ParseOptions & { name?: string },
): string {
  return parseTemplate(options?.name ?? 'template', text, options).execute(data, options);
}

/**
 * Whether a tree refers to top-level field `field` in any of the forms Kelos rejects for
 * nameTemplate: `.Context…`, `$x.Context…` / `$.Context…`, and `index <x> "Context" …`
 * (also `(…).Context` chains on dot or a variable).
 */
export function referencesField(tree: Tree | Node, field: string): boolean {
  const root: Node = 'root' in tree ? tree.root : tree;
  let found = false;
  walk(root, (n) => {
    if (found) return false;
    switch (n.type) {
      case 'Field':
        if (n.ident[0] === field) found = true;
        break;
      case 'Variable':
        if (n.ident.length > 1 && n.ident[1] === field) found = true;
        break;
      case 'Chain':
        if (isDotLike(n.node) && n.field[0] === field) found = true;
        break;
      case 'Command': {
        const [fn, , key] = n.args;
        if (fn?.type === 'Identifier' && fn.ident === 'index' && key?.type === 'String' && key.text === field) found = true;
        break;
      }
    }
    return !found;
  });
  return found;
}

/** `.`, `$`, `$x`, or a parenthesised pipeline of just one of those. */
function isDotLike(n: Node): boolean {
  if (n.type === 'Dot') return true;
  if (n.type === 'Variable') return n.ident.length === 1;
  if (n.type === 'Pipe') return n.decl.length === 0 && n.cmds.length === 1 && n.cmds[0].args.length === 1 && isDotLike(n.cmds[0].args[0]);
  return false;
}

/** Type guard for callers that catch unknown errors. */
export function isTemplateError(e: unknown): e is TemplateError {
  return e instanceof TemplateError;
}
