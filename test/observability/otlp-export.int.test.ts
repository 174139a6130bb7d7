/**
 * When tracing is on and where it goes: only with OTEL_EXPORTER_OTLP_ENDPOINT (or the traces-only variable) set, and
 * not with OTEL_SDK_DISABLED=true; then spans reach an OTLP/HTTP receiver (a loopback server here) under the
 * process's service name or OTEL_SERVICE_NAME. Off, the OpenTelemetry SDK is not even loaded (checked in a plain
 * `node` on the built dist/, which `npx tsc -p tsconfig.build.json` writes).
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { promisify } from 'node:util';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { otlpEndpointOf, startTracing } from '../../src/host/tracing/tracing';
import { packageRoot } from '../../src/host/package-root';
import { testServerAddress, uniqueTaskQueue } from '../harness/temporal';

const OTEL_VARS = Object.keys(process.env).filter((name) => name.startsWith('OTEL_'));

beforeEach(() => {
  for (const name of OTEL_VARS) delete process.env[name];
});
afterEach(() => {
  for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_')) delete process.env[name];
});

it('is off without an OTLP endpoint, and with OTEL_SDK_DISABLED=true', () => {
  expect(startTracing('kelos-worker', { env: {} })).toBeUndefined();
  expect(startTracing('kelos-worker', { env: { OTEL_SERVICE_NAME: 'kelos-x', OTEL_EXPORTER_OTLP_HEADERS: 'a=b' } })).toBeUndefined();
  expect(startTracing('kelos-worker', { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' } })).toBeUndefined();
  expect(otlpEndpointOf({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBeUndefined();
  expect(otlpEndpointOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe('http://collector:4318/v1/traces');
});

it('refuses an endpoint that is not an http(s) URL, naming the variable', () => {
  expect(() => startTracing('kelos-worker', { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' } })).toThrow(/invalid OTEL_EXPORTER_OTLP_ENDPOINT "collector:4318": an http:\/\/ or https:\/\/ URL/);
  expect(() => otlpEndpointOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' })).toThrow(/OTEL_EXPORTER_OTLP_TRACES_ENDPOINT/);
});

/** A loopback OTLP/HTTP receiver that keeps what it is sent. */
async function otlpReceiver(): Promise<{ url: string; received: { url: string; body: string }[]; close: () => void }> {
  const received: { url: string; body: string }[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ url: request.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, close: () => server.close() };
}

it('with OTEL_EXPORTER_OTLP_ENDPOINT set, exports over OTLP/HTTP under the service name (OTEL_SERVICE_NAME wins)', async () => {
  const { url, received, close } = await otlpReceiver();
  try {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = url;
    const plain = startTracing('kelos-bridge');
    expect(plain?.serviceName).toBe('kelos-bridge');
    expect(plain?.exporter).toBeInstanceOf(OTLPTraceExporter);
    await plain?.shutdown();

    process.env.OTEL_SERVICE_NAME = 'kelos-bridge-eu';
    const named = startTracing('kelos-bridge')!;
    expect(named.serviceName).toBe('kelos-bridge-eu');
    named.tracer.startSpan('probe-span').end();
    await named.shutdown();
    const traces = received.filter((r) => r.url === '/v1/traces');
    expect(traces.some((r) => r.body.includes('probe-span') && r.body.includes('kelos-bridge-eu'))).toBe(true);
  } finally {
    close();
  }
});

it('a short CLI command (`kelos run`) sends its StartWorkflow span as kelos-cli before it exits', async () => {
  const { url, received, close } = await otlpReceiver();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-otlp-cli-'));
  try {
    const kelos = path.join(packageRoot(), 'bin', 'kelos.js');
    const args = ['--address', testServerAddress(), '--task-queue', uniqueTaskQueue('otlp-cli'), 'run', '-p', 'traced', '--credential-type', 'none', '--name', `otlp-cli-${Date.now().toString(36)}`];
    const { stdout } = await promisify(execFile)(process.execPath, [kelos, ...args], { env: { PATH: process.env.PATH ?? '', KELOS_HOME: home, OTEL_EXPORTER_OTLP_ENDPOINT: url } });
    expect(stdout).toMatch(/created/);
    const traces = received.filter((r) => r.url === '/v1/traces');
    expect(traces.some((r) => r.body.includes('StartWorkflow:taskWorkflow') && r.body.includes('kelos-cli'))).toBe(true);
  } finally {
    close();
    fs.rmSync(home, { recursive: true, force: true });
  }
});

it('off, a process does not load the OpenTelemetry SDK or interceptors at all', () => {
  const tracingJs = path.join(packageRoot(), 'dist', 'src', 'host', 'tracing', 'tracing.js');
  const loaded = (env: Record<string, string>) =>
    execFileSync(
      process.execPath,
      ['-e', `const t = require(${JSON.stringify(tracingJs)}).startTracing('kelos-cli'); console.log(Boolean(t), Object.keys(require.cache).some((f) => /@opentelemetry[\\\\/]sdk-trace-base|interceptors-opentelemetry/.test(f))); t && t.shutdown()`],
      { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' },
    ).trim();
  expect(loaded({})).toBe('false false');
  expect(loaded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' })).toBe('true true');
});
