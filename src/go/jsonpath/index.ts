/**
 * The JSONPath dialect of Kelos's generic webhooks (fieldMapping, filters, excludeFilters) and context-source
 * response filters: github.com/PaesslerAG/jsonpath v0.1.1 on gval v1.0.0, called as `jsonpath.Get(path, body)`,
 * Goessner style (`$.a.b`, not Kubernetes' `{.a.b}`). Kelos treats an error starting "parsing error:" as a broken
 * spec and any other error as a missing field; here the first is JsonPathError (thrown, and checked when a
 * manifest is applied) and the second `{ found: false }`.
 *
 * Why our own evaluator: no npm JSONPath package speaks this dialect. jsonpath-plus and jsonpath evaluate filters
 * as JavaScript (so `<`, `&&` work there but are parse errors in Kelos), count negative indexes from the end (Kelos:
 * missing) and accept single-quoted names (Kelos: a Go rune literal, one character); RFC 9535 implementations
 * (jsonpath-rfc9535) always return node lists, where Kelos returns a plain value for a plain path, and compare with
 * RFC rules rather than Go's reflect.DeepEqual. The code also has to stay pure (it runs in Temporal workflows).
 *
 * Modules: json-path-scanner.ts (Go text/scanner tokens), json-path-parser.ts (what parses, the operators),
 * json-path-evaluator.ts (what a path yields), gval-values.ts (conversions and equality). Results print with
 * go-value.ts, Go's `%v`. Checked against the Go library by test/sources/webhooks/json-path-differential.test.ts.
 */
import type { Expr } from './ast';
import { evaluateExpr, type JsonPathResult } from './evaluator';
import { parseJsonPath } from './parser';

export { JsonPathError } from './error';
export type { JsonPathResult } from './evaluator';

/** Parsed paths by text: spawner specs reuse a handful of paths for every delivery. */
const compiled = new Map<string, Expr>();
const COMPILED_LIMIT = 1000;

function compile(path: string): Expr {
  let expr = compiled.get(path);
  if (!expr) {
    expr = parseJsonPath(path);
    if (compiled.size >= COMPILED_LIMIT) compiled.clear();
    compiled.set(path, expr);
  }
  return expr;
}

/** Evaluates `path` against a decoded JSON document; throws JsonPathError when Kelos could not parse it. */
export function evaluateJsonPath(path: string, document: unknown): JsonPathResult {
  return evaluateExpr(compile(path), document);
}

/** Throws JsonPathError when `path` is not something Kelos can parse (used when a manifest is applied). */
export function checkJsonPath(path: string): void {
  compile(path);
}
