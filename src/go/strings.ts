/**
 * Go's `strings.TrimSpace` (unicode.IsSpace). JavaScript's `trim()` differs on two characters: it strips
 * U+FEFF and keeps U+0085. Commands and logins are compared after this trim, so match Kelos exactly.
 */
const GO_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const EDGES = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'g');

export function goTrimSpace(text: string): string {
  return text.replace(EDGES, '');
}
