/**
 * The code Temporal runs in its workflow sandbox uses no Node-only value: checked on the modules the real bundle
 * holds, so a `Buffer` or `process` that would fail only when a workflow reaches it fails here instead.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { workflowsPath } from '../../workers/kelos-worker';
import { packageRoot } from '../../host/package-root';
import { bundleWorkflows } from '../harness/temporal';
import { bundledSourceFiles, nodeOnlyUsages } from '../harness/workflow-purity';

const ROOT = packageRoot();

it('the modules bundled into workflows use no Node-only global (Buffer, process, __dirname, …)', async () => {
  const { code } = await bundleWorkflows(workflowsPath());
  const files = bundledSourceFiles(code, ROOT);
  // The bundle holds the workflows and the deterministic code they import, not activities.
  expect(files).toContain(path.join(ROOT, 'workflows', 'task-workflow.ts'));
  expect(files).toContain(path.join(ROOT, 'api', 'template', 'index.ts'));
  expect(files.some((f) => f.includes(`${path.sep}activities${path.sep}`))).toBe(false);
  expect(nodeOnlyUsages(files, ROOT)).toEqual([]);
}, 120_000);

it('reports the Node-only values a module uses, and not the globals the sandbox provides or Node types', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purity-'));
  const probe = path.join(dir, 'probe.ts');
  fs.writeFileSync(
    probe,
    [
      'export const bytes = Buffer.from("a");',
      'export const home = process.env.HOME;',
      'export const here = __dirname;',
      'export function later(f: () => void): ReturnType<typeof setTimeout> { return setTimeout(f, 1); }',
      'export type Env = NodeJS.ProcessEnv;',
      'export const text = new TextEncoder().encode("x").length;',
    ].join('\n'),
  );
  expect(nodeOnlyUsages([probe], ROOT).map((u) => `${u.line}:${u.name}`)).toEqual(['1:Buffer', '2:process', '3:__dirname']);
});
