/**
 * Go's `path/filepath.Match` on Linux (separator `/`), which Kelos uses for the webhook `branch`, `tag` and
 * `checkName` filters. Not picomatch: here `*` and `?` never cross `/`, there is no `**`, classes negate with
 * `^` (not `!`), `\` escapes, and a malformed pattern is an error even when the match already failed
 * (Kelos then rejects the event). Works on code points, as Go works on UTF-8 runes.
 */

export class GoGlobError extends Error {
  constructor(readonly pattern: string) {
    super(`syntax error in pattern ${JSON.stringify(pattern)}`);
    this.name = 'GoGlobError';
  }
}

const SEPARATOR = '/';

/** True when `name` matches `pattern`; throws GoGlobError for a malformed pattern. */
export function goGlobMatch(pattern: string, name: string): boolean {
  const bad = () => new GoGlobError(pattern);
  let pat = [...pattern];
  let rest = [...name];
  outer: while (pat.length > 0) {
    const { star, chunk, after } = scanChunk(pat);
    pat = after;
    if (star && chunk.length === 0) return !rest.includes(SEPARATOR); // trailing `*`
    const first = matchChunk(chunk, rest, bad);
    if (first !== undefined && (first.length === 0 || pat.length > 0)) {
      rest = first;
      continue;
    }
    if (star) {
      // `*` may swallow any run of non-separator characters before the chunk.
      for (let i = 0; i < rest.length && rest[i] !== SEPARATOR; i++) {
        const tail = matchChunk(chunk, rest.slice(i + 1), bad);
        if (tail !== undefined) {
          if (pat.length === 0 && tail.length > 0) continue; // last chunk must consume everything
          rest = tail;
          continue outer;
        }
      }
    }
    // Failing: still report a syntax error anywhere in the remaining pattern.
    while (pat.length > 0) {
      const next = scanChunk(pat);
      pat = next.after;
      matchChunk(next.chunk, [], bad);
    }
    return false;
  }
  return rest.length === 0;
}

/** Splits off leading stars and the literal/class chunk up to the next unbracketed `*`. */
function scanChunk(pat: string[]): { star: boolean; chunk: string[]; after: string[] } {
  let i = 0;
  while (i < pat.length && pat[i] === '*') i++;
  const star = i > 0;
  const start = i;
  let inClass = false;
  for (; i < pat.length; i++) {
    const c = pat[i];
    if (c === '\\') {
      if (i + 1 < pat.length) i++;
    } else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '*' && !inClass) break;
  }
  return { star, chunk: pat.slice(start, i), after: pat.slice(i) };
}

/** Matches one chunk at the start of `s`; returns what is left, or undefined. Parses the whole chunk for errors. */
function matchChunk(chunk: string[], s: string[], bad: () => GoGlobError): string[] | undefined {
  let failed = false;
  let ci = 0;
  let si = 0;
  while (ci < chunk.length) {
    if (!failed && si >= s.length) failed = true;
    const c = chunk[ci];
    if (c === '[') {
      const r = failed ? undefined : s[si++];
      ci++;
      let negated = false;
      if (chunk[ci] === '^') {
        negated = true;
        ci++;
      }
      let matched = false;
      let ranges = 0;
      for (;;) {
        if (chunk[ci] === ']' && ranges > 0) {
          ci++;
          break;
        }
        const lo = classChar(chunk, ci, bad);
        ci = lo.next;
        let hi = lo.char;
        if (chunk[ci] === '-') {
          const upper = classChar(chunk, ci + 1, bad);
          ci = upper.next;
          hi = upper.char;
        }
        if (r !== undefined && codePoint(lo.char) <= codePoint(r) && codePoint(r) <= codePoint(hi)) matched = true;
        ranges++;
      }
      if (matched === negated) failed = true;
    } else if (c === '?') {
      if (!failed) {
        if (s[si] === SEPARATOR) failed = true;
        si++;
      }
      ci++;
    } else {
      let literal = c;
      if (c === '\\') {
        ci++;
        if (ci >= chunk.length) throw bad();
        literal = chunk[ci];
      }
      if (!failed) {
        if (literal !== s[si]) failed = true;
        si++;
      }
      ci++;
    }
  }
  return failed ? undefined : s.slice(si);
}

/** One (possibly escaped) character of a class; the class must not end right after it. */
function classChar(chunk: string[], at: number, bad: () => GoGlobError): { char: string; next: number } {
  let i = at;
  if (i >= chunk.length || chunk[i] === '-' || chunk[i] === ']') throw bad();
  if (chunk[i] === '\\') {
    i++;
    if (i >= chunk.length) throw bad();
  }
  const char = chunk[i++];
  if (i >= chunk.length) throw bad();
  return { char, next: i };
}

function codePoint(char: string): number {
  return char.codePointAt(0)!;
}
