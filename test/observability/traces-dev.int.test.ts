/**
 * Tracing in the shipped binaries: `kelos dev` and `kelos run` with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a
 * loopback OTLP/HTTP receiver. The CLI's start of the Task, the Task workflow and its activities (the worker bundles
 * the workflow interceptors itself) arrive as one trace, from the services kelos-cli and kelos-worker.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../src/clients/dev/temporal-dev-server';
import { KELOS_ROOT, startKelosDev, stopKelosDev, type RunningKelosDev } from '../harness/kelos-cli';

interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
}

/** OTLP/HTTP JSON (what @opentelemetry/exporter-trace-otlp-http sends): resourceSpans → scopeSpans → spans. */
function spansOf(body: string): ReceivedSpan[] {
  const found: ReceivedSpan[] = [];
  for (const resourceSpans of JSON.parse(body).resourceSpans ?? []) {
    const service = (resourceSpans.resource?.attributes ?? []).find((a: { key: string }) => a.key === 'service.name')?.value?.stringValue;
    for (const scope of resourceSpans.scopeSpans ?? []) for (const span of scope.spans ?? []) found.push({ service, name: span.name, traceId: span.traceId });
  }
  return found;
}

let home: string;
let dev: RunningKelosDev | undefined;
let server: http.Server;
const received: ReceivedSpan[] = [];

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-traces-dev-'));
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') received.push(...spansOf(Buffer.concat(chunks).toString('utf8')));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  if (dev) await stopKelosDev(dev.process);
  server?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

it('a `kelos run` Task under `kelos dev` is one trace: the CLI\'s start, the Task workflow, its activities', async () => {
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const [port, uiPort, bridgePort] = [await freePort(), await freePort(), await freePort()];
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint };
  dev = await startKelosDev({ home, env }, ['--port', String(port), '--ui-port', String(uiPort), '--bridge-port', String(bridgePort)]);
  // Not spawnSync: the receiver in this process must answer meanwhile.
  const run = await promisify(execFile)(
    process.execPath,
    [path.join(KELOS_ROOT, 'bin', 'kelos.js'), '--address', `127.0.0.1:${port}`, 'run', '-p', 'Add a greeting', '--image', './examples/agents/fake-agent.sh', '--credential-type', 'none', '--name', 'traced', '-w'],
    { cwd: KELOS_ROOT, env: { ...process.env, KELOS_HOME: home, ...env }, timeout: 120_000 },
  );
  expect(run.stdout).toMatch(/task\/traced Succeeded/);
  // The worker's spans leave in batches: stopping kelos dev sends the rest.
  await stopKelosDev(dev.process);
  dev = undefined;

  const start = received.find((s) => s.service === 'kelos-cli' && s.name === 'StartWorkflow:taskWorkflow');
  expect(start).toBeDefined();
  const trace = received.filter((s) => s.traceId === start!.traceId).map((s) => `${s.service} ${s.name}`);
  expect(trace).toEqual(
    expect.arrayContaining([
      'kelos-cli StartWorkflow:taskWorkflow',
      'kelos-worker RunWorkflow:taskWorkflow',
      'kelos-worker StartActivity:runAgent',
      'kelos-worker RunActivity:runAgent',
      'kelos-worker RunActivity:prepareTaskWorkspace',
    ]),
  );
});
