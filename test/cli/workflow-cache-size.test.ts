/**
 * `kelos worker --workflow-cache` (and KELOS_WORKFLOW_CACHE): 0 turns the workflow cache off, as the SDK allows (each
 * workflow task then replays its history on whichever worker takes it); 1 and anything not a whole number are refused
 * naming the flag and the variable.
 */
import { workflowCacheSize } from '../../src/clients/cli/commands/worker';
import { DEFAULT_WORKFLOW_CACHE } from '../../src/workers/kelos-worker';

const saved = process.env.KELOS_WORKFLOW_CACHE;
afterEach(() => {
  if (saved === undefined) delete process.env.KELOS_WORKFLOW_CACHE;
  else process.env.KELOS_WORKFLOW_CACHE = saved;
});

it('takes 0 (no cache) or at least 2, from the flag over the variable over the default', () => {
  delete process.env.KELOS_WORKFLOW_CACHE;
  expect(workflowCacheSize(undefined)).toBe(DEFAULT_WORKFLOW_CACHE);
  expect(workflowCacheSize('0')).toBe(0);
  expect(workflowCacheSize('2')).toBe(2);
  process.env.KELOS_WORKFLOW_CACHE = '0';
  expect(workflowCacheSize(undefined)).toBe(0);
  expect(workflowCacheSize('500')).toBe(500);
});

it('refuses 1, negatives, fractions and empty values, naming the flag and the variable', () => {
  for (const bad of ['1', '-1', '2.5', '', 'x']) {
    expect(() => workflowCacheSize(bad)).toThrow(`invalid workflow cache size "${bad}" (--workflow-cache or KELOS_WORKFLOW_CACHE): 0 (no cache) or a whole number of at least 2`);
  }
  process.env.KELOS_WORKFLOW_CACHE = '';
  expect(() => workflowCacheSize(undefined)).toThrow(/--workflow-cache or KELOS_WORKFLOW_CACHE/);
});
