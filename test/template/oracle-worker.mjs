// Differential-test oracle: Go's real text/template (Go 1.25, compiled to WASM by
// @evertdespiegeleer/go-template). The package is ESM-only and installs a global `Go`, so it runs
// in its own node process instead of inside jest. We call the WASM's `Render` global directly
// to see Go's complete error strings (the package's wrapper trims them).
//
// Input (stdin): JSON array of {template, data}. Output (stdout): JSON array of
// {ok: true, output} | {ok: false, kind: 'parse'|'exec'|'json', message}.
import { parse } from '@evertdespiegeleer/go-template';

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'));

// Initialise the WASM once through the public API.
await parse('', {});
const render = globalThis.Render;

const results = cases.map(({ template, data }) => {
  const raw = render(template, JSON.stringify(data));
  if (raw.startsWith('Template exec error: ')) {
    return { ok: false, kind: 'exec', message: raw.slice('Template exec error: '.length) };
  }
  if (raw.startsWith('Template parse error: ')) {
    return { ok: false, kind: 'parse', message: raw.slice('Template parse error: '.length) };
  }
  if (raw.startsWith('JSON parse error:')) return { ok: false, kind: 'json', message: raw };
  return { ok: true, output: raw };
});
process.stdout.write(JSON.stringify(results));
