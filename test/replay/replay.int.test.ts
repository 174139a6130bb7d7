/**
 * Determinism guard: every history recorded by record-histories.recorder.ts (`npm run record:histories`), and
 * every kept history of earlier code in earlier/, must replay on the current workflow code. A change to what a workflow does at a point where it already ran (another
 * activity, a different order, a new timer) fails here with the history and the event that no longer match,
 * before it could strand running spawners and Tasks. No server is needed: replay runs on the bundle alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Worker } from '@temporalio/worker';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import * as workflows from '../../src/workflows';
import { workflowsPath } from '../../src/workers/kelos-worker';
import { startTracing, tracingWorkflowModules, type Tracing } from '../../src/host/tracing/tracing';
import { bundleWorkflows, installTestRuntime } from '../harness/temporal';
import { createKelosMetrics } from '../../src/host/metrics/kelos-metrics';
import { kelosMetricSinks } from '../../src/host/metrics/metric-sinks';

/** Registered as a worker registers them (a replay never calls them), so replays log no unregistered sink. */
const metricSinks = kelosMetricSinks(createKelosMetrics());

/**
 * histories/: what the recorder writes from the current code. earlier/: runs of earlier code that a patch() keeps
 * working, e.g. a bench:spawner run of 4,289 events from before spawner runs were bounded at 2,000 (gzipped), and a spawner of
 * the first implementation stuck on a continue-as-new input over 2 MiB (its workflow task failing; the current code
 * takes such a run over: test/spawn/spawner-bounds.int.test.ts).
 */
const RECORDED_DIR = path.join(__dirname, 'histories');
const EARLIER_DIR = path.join(__dirname, 'earlier');
const jsonFiles = (dir: string) => fs.readdirSync(dir).filter((file) => /\.json(\.gz)?$/.test(file)).sort();
const files = [...jsonFiles(RECORDED_DIR).map((f) => path.join(RECORDED_DIR, f)), ...jsonFiles(EARLIER_DIR).map((f) => path.join(EARLIER_DIR, f))];
let workflowBundle: { code: string };
/** The bundle of a worker with tracing on (OTEL_EXPORTER_OTLP_ENDPOINT set): the OpenTelemetry workflow interceptors built in. */
let tracedBundle: { code: string };
const replayedSpans = new InMemorySpanExporter();
let tracing: Tracing;

beforeAll(async () => {
  installTestRuntime();
  workflowBundle = await bundleWorkflows(workflowsPath());
  tracedBundle = await bundleWorkflows(workflowsPath(), tracingWorkflowModules());
  tracing = startTracing('kelos-worker', { exporter: replayedSpans, env: {} })!;
});
afterAll(async () => {
  await tracing?.shutdown();
});

it('has recorded histories of every workflow type the worker registers', () => {
  const recordedTypes = new Set(jsonFiles(RECORDED_DIR).map((file) => file.split('--')[0]));
  expect([...recordedTypes].sort()).toEqual(Object.keys(workflows).sort());
});

it.each(files.map((file) => [path.relative(__dirname, file), file]))('%s replays on the current workflow code', async (name, file) => {
  const bytes = fs.readFileSync(file);
  const history = JSON.parse((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'));
  await Worker.runReplayHistory({ workflowBundle, sinks: metricSinks, replayName: name }, history);
});

/** Turning tracing on (a worker restarted with OTEL_EXPORTER_OTLP_ENDPOINT) must not change any workflow's commands. */
it.each(files.map((file) => [path.relative(__dirname, file), file]))('%s replays with tracing on, exporting no span', async (name, file) => {
  const bytes = fs.readFileSync(file);
  const history = JSON.parse((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'));
  await Worker.runReplayHistory({ workflowBundle: tracedBundle, sinks: { ...tracing.workerOptions(true).sinks, ...metricSinks }, replayName: `traced-${name}` }, history);
  await tracing.flush();
  expect(replayedSpans.getFinishedSpans()).toEqual([]); // spans made while replaying stay in the sandbox
});
