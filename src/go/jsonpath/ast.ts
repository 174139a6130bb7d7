/**
 * A parsed JSONPath in Kelos's dialect. The whole text is a gval expression: usually one path (`$.a.b`), but
 * `==`/`!=` comparisons, literals, bare variables (`a.b`, read from the document root without failing on a
 * missing key) and `@` (the element being looked at) are expressions too, and may appear inside brackets,
 * filters and scripts.
 */

export type Expr =
  | { kind: 'literal'; value: unknown }
  /** Prefix `-`: the operand as a number, negated (fails at evaluation when it is not one). */
  | { kind: 'negate'; operand: Expr }
  /** `==` / `!=`: Go's reflect.DeepEqual. */
  | { kind: 'compare'; negated: boolean; left: Expr; right: Expr }
  /** A bare name such as `a.b[0]`: gval's variable lookup from the document root. */
  | { kind: 'variable'; keys: Expr[] }
  /** `name(args)`: a function call; JSON holds no functions, so it always fails at evaluation. */
  | { kind: 'call'; name: string; args: Expr[] }
  /** `$…` from the document, `@…` from the element a filter, key or script is looking at. */
  | { kind: 'path'; from: 'root' | 'current'; steps: Step[] };

/**
 * One selector. `select` and `script` give exactly one value or fail; the others ("ambiguous" in the library)
 * give any number of matches, and a path holding one of them yields the list of matches.
 */
export type Step =
  | { kind: 'select'; key: Expr }
  | { kind: 'script'; expr: Expr }
  | { kind: 'union'; keys: Expr[] }
  | { kind: 'wildcard' }
  | { kind: 'descend' }
  | { kind: 'filter'; condition: Expr }
  | { kind: 'slice'; start: Expr; end: Expr; step: Expr };

export function isAmbiguous(step: Step): boolean {
  return step.kind !== 'select' && step.kind !== 'script';
}
