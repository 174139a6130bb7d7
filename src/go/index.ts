/**
 * The Go compatibility library: where Kelos's behaviour comes from a Go package, this is that package's behaviour in
 * TypeScript, exact to the byte (each module says which Go code it follows; the differential tests in test/template
 * compare with Go itself). Pure, so workflow code may use all of it.
 *
 *   text/template + fmt        template/       prompts, branch names, every `{{…}}` a manifest holds
 *   regexp (RE2)               regexp.ts       webhook filters' patterns
 *   path.Match                 glob.ts         GitHub webhook filters' globs
 *   k8s JSONPath on gval       jsonpath/       generic webhooks, context sources
 *   strings, unicode/utf8      strings.ts, utf8.ts  trimming as Go does; byte lengths for budgets
 *   time                       duration.ts (ParseDuration), rfc3339.ts (GitHub's timestamps)
 *   fmt %v of decoded JSON     value.ts, gval-values.ts
 */
export * from './template';
export * from './regexp';
export * from './glob';
export * from './jsonpath';
export * from './strings';
export * from './utf8';
export * from './duration';
export * from './rfc3339';
export * from './value';
export * from './gval-values';
