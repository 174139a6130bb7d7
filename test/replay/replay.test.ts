/**
 * Determinism guard: every history recorded by record-histories.recorder.ts (`npm run record:histories`) must
 * replay on the current workflow code. A change to what a workflow does at a point where it already ran (another
 * activity, a different order, a new timer) fails here with the history and the event that no longer match,
 * before it could strand running spawners and Tasks. No server is needed: replay runs on the bundle alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from '@temporalio/worker';
import * as workflows from '../../workflows';
import { workflowsPath } from '../../workers/kelos-worker';
import { bundleWorkflows, installTestRuntime } from '../harness/temporal';

const HISTORIES_DIR = path.join(__dirname, 'histories');
const files = fs.readdirSync(HISTORIES_DIR).filter((file) => file.endsWith('.json')).sort();
let workflowBundle: { code: string };

beforeAll(async () => {
  installTestRuntime();
  workflowBundle = await bundleWorkflows(workflowsPath());
});

it('has recorded histories of every workflow type the worker registers', () => {
  const recordedTypes = new Set(files.map((file) => file.split('--')[0]));
  expect([...recordedTypes].sort()).toEqual(Object.keys(workflows).sort());
});

it.each(files)('%s replays on the current workflow code', async (file) => {
  const history = JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, file), 'utf8'));
  await Worker.runReplayHistory({ workflowBundle, replayName: file }, history);
});
