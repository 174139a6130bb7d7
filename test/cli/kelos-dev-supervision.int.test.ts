/**
 * `kelos dev` as a dependable service, through the real binary: its Temporal server SIGKILLed under a webhook
 * burst is restarted (deliveries meanwhile get 503, then 2xx again, and every 2xx is exactly one Task); a server
 * that keeps dying makes `kelos dev` exit non-zero and leave no process behind; the SQLite durability is checked
 * on the running server process (its fsyncs, seen with strace).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { findTemporalBinary, freePort } from '../../src/clients/dev/temporal-dev-server';
import { eventually } from '../harness/kelos-stack';
import { runKelos, startKelosDev, stopKelosDev } from '../harness/kelos-cli';

interface Ports {
  port: number;
  uiPort: number;
  bridgePort: number;
}

async function freePorts(): Promise<Ports> {
  return { port: await freePort(), uiPort: await freePort(), bridgePort: await freePort() };
}

/**
 * A `temporal` that runs the real one the first time, and on later starts behaves as `later` says: `slow` starts
 * the real server 6 s late (an outage longer than the bridge's 5 s wait), `fail` exits at once.
 */
function temporalWrapper(dir: string, later: 'slow' | 'fail'): string {
  const marker = path.join(dir, 'started-once');
  const script = path.join(dir, 'temporal');
  const then = later === 'slow' ? `sleep 6; exec ${JSON.stringify(findTemporalBinary())} "$@"` : 'echo "simulated: the server cannot start" >&2; exit 1';
  fs.writeFileSync(script, `#!/bin/sh\nif [ -e ${JSON.stringify(marker)} ]; then ${then}; fi\ntouch ${JSON.stringify(marker)}\nexec ${JSON.stringify(findTemporalBinary())} "$@"\n`, { mode: 0o755 });
  return script;
}

function devState(home: string): { serverPid?: number; restarts: number; sqliteSync: string } {
  return JSON.parse(fs.readFileSync(path.join(home, 'dev', 'state.json'), 'utf8'));
}

/** Processes whose command line mentions `needle` (the test's own data directory): what kelos dev left running. */
function processesMentioning(needle: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** fsync/fdatasync calls the process makes while `work` runs (strace attached to all its threads). */
async function syncCallsDuring(pid: number, work: () => void | Promise<void>): Promise<number> {
  const out = path.join(os.tmpdir(), `kelos-strace-${pid}-${Date.now()}.txt`);
  const tracer = spawn('strace', ['-f', '-qq', '-e', 'trace=fsync,fdatasync', '-o', out, '-p', String(pid)], { stdio: 'ignore' });
  const failed = new Promise<never>((_, reject) => tracer.once('error', (err) => reject(new Error(`strace is needed for this test (Debian package strace): ${err.message}`))));
  await Promise.race([new Promise((r) => setTimeout(r, 1_500)), failed]);
  await work();
  await new Promise((r) => setTimeout(r, 1_500));
  tracer.kill('SIGINT');
  await new Promise((r) => tracer.once('exit', r));
  const lines = fs.existsSync(out) ? fs.readFileSync(out, 'utf8').split('\n') : [];
  return lines.filter((line) => /\b(fsync|fdatasync)\(/.test(line)).length;
}

function post(url: string, body: string): Promise<number> {
  return new Promise((resolve) => {
    const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    request.on('error', () => resolve(0));
    request.end(body);
  });
}

const spawnerYaml = (name: string) =>
  [
    'apiVersion: kelos.dev/v1alpha2',
    'kind: TaskSpawner',
    `metadata: {name: ${name}}`,
    'spec:',
    `  when: {webhook: {source: ${name}, fieldMapping: {id: "$.id"}}}`,
    '  maxConcurrency: 5',
    '  taskTemplate:',
    '    worker: {type: claude-code, credentials: {type: none}, image: ./examples/agents/fake-agent.sh}',
    '    nameTemplate: "hook-{{.ID}}"',
    '    promptTemplate: "delivery {{.ID}}"',
  ].join('\n');

const running: ChildProcess[] = [];
afterAll(async () => {
  for (const child of running) await stopKelosDev(child);
});

it('restarts a killed Temporal server: 503 while it is down, 2xx after, every 2xx exactly one Task; FULL sync fsyncs', async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-supervised-'));
  const ports = await freePorts();
  const dev = await startKelosDev({ home, env: { KELOS_TEMPORAL_BIN: temporalWrapper(home, 'slow') } }, ['--port', String(ports.port), '--ui-port', String(ports.uiPort), '--bridge-port', String(ports.bridgePort)]);
  running.push(dev.process);
  const kelos = (args: string[], input?: string) => runKelos({ address: `127.0.0.1:${ports.port}`, home }, args, input);

  // Durability on the running server: FULL is the default, and the server really syncs its commits.
  const first = devState(home);
  expect(first.sqliteSync).toBe('full');
  expect(fs.readFileSync(`/proc/${first.serverPid}/cmdline`, 'utf8').split('\0')).toContain('synchronous=FULL');
  const syncs = await syncCallsDuring(first.serverPid!, () => {
    expect(kelos(['apply', '-f', '-'], spawnerYaml('hooks')).code).toBe(0);
  });
  expect(syncs).toBeGreaterThan(0);
  await eventually(async () => ((await post(`http://127.0.0.1:${ports.bridgePort}/webhook/hooks`, '{"id":"warmup"}')) === 200 ? true : undefined), 30_000, 'the spawner to be routable');

  // Deliveries one every 150 ms; the server is SIGKILLed a second in and comes back some 8 s later (or later on a
  // loaded machine); they go on until ten more were sent after it is back.
  const answers = new Map<string, number>();
  const sends: Promise<void>[] = [];
  let afterBack = 0;
  for (let i = 0; afterBack < 10 && i < 600; i += 1) {
    const id = `d${i}`;
    sends.push(post(`http://127.0.0.1:${ports.bridgePort}/webhook/hooks`, JSON.stringify({ id })).then((status) => void answers.set(id, status)));
    if (i === 6) process.kill(first.serverPid!, 'SIGKILL');
    if (/Temporal server is back/.test(dev.output())) afterBack += 1;
    await new Promise((r) => setTimeout(r, 150));
  }
  await Promise.all(sends);
  // The bridge's connection to Temporal may take a few more seconds to come back: 2xx again within a minute.
  for (let i = 1000, run = 0; run < 3; i += 1) {
    const id = `d${i}`;
    const status = await post(`http://127.0.0.1:${ports.bridgePort}/webhook/hooks`, JSON.stringify({ id }));
    answers.set(id, status);
    run = status === 200 ? run + 1 : 0;
    if (i > 1200) throw new Error('the bridge did not answer 2xx again within a minute of the server coming back');
    await new Promise((r) => setTimeout(r, 300));
  }

  const statuses = [...answers.entries()].sort(([a], [b]) => Number(a.slice(1)) - Number(b.slice(1))).map(([, status]) => status);
  expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
  // Answers after the outage are 2xx again.
  expect(statuses.slice(-3).every((s) => s === 200)).toBe(true);
  expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
  expect(dev.output()).toMatch(/Temporal server was killed by SIGKILL; restarting in/);
  expect(dev.output()).toMatch(/Temporal server is back \(restart 1\)/);
  expect(devState(home).restarts).toBe(1);

  const accepted = [...answers.entries()].filter(([, status]) => status === 200).map(([id]) => id);
  const tasks = await eventually(async () => {
    const listed = kelos(['get', 'tasks', '-o', 'json']);
    if (listed.code !== 0) return undefined;
    const names = (JSON.parse(listed.stdout) as { items: { metadata: { name: string } }[] }).items.map((t) => t.metadata.name);
    return accepted.every((id) => names.includes(`hook-${id}`)) ? names : undefined;
  }, 90_000, 'a Task for every accepted delivery');
  for (const id of accepted) expect(tasks.filter((name) => name === `hook-${id}`)).toHaveLength(1);

  const status = kelos(['status']);
  expect(status.code).toBe(0);
  expect(status.stdout).toMatch(/1 restart\(s\)/);
  expect(status.stdout).toMatch(/SQLite synchronous=FULL/);
  expect(await stopKelosDev(dev.process)).toBe(0);
  expect(fs.existsSync(path.join(home, 'dev', 'state.json'))).toBe(false);
}, 240_000);

it('exits non-zero when the server keeps dying, stopping everything it started; synchronous=OFF makes no fsync', async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-crashing-'));
  const ports = await freePorts();
  const dev = await startKelosDev({ home, env: { KELOS_TEMPORAL_BIN: temporalWrapper(home, 'fail') } }, ['--port', String(ports.port), '--ui-port', String(ports.uiPort), '--bridge-port', String(ports.bridgePort), '--max-restarts', '2', '--sqlite-sync', 'off']);
  running.push(dev.process);
  const { serverPid } = devState(home);
  const syncs = await syncCallsDuring(serverPid!, () => {
    expect(runKelos({ address: `127.0.0.1:${ports.port}`, home }, ['apply', '-f', '-'], spawnerYaml('quiet')).code).toBe(0);
  });
  expect(syncs).toBe(0);

  // 'close', not 'exit': its last words are read only once its pipes have closed.
  const exited = new Promise<number | null>((resolve) => dev.process.once('close', (code) => resolve(code)));
  process.kill(serverPid!, 'SIGKILL');
  expect(await exited).toBe(1);
  expect(dev.output()).toMatch(/restarting in 1s/);
  expect(dev.output()).toMatch(/could not start/);
  expect(dev.output()).toMatch(/error: the Temporal server failed 3 times within 10 min .*stopped everything/);
  expect(processesMentioning(home)).toEqual([]);
  expect(fs.existsSync(path.join(home, 'dev', 'state.json'))).toBe(false);
  // Nothing listens any more where it ran.
  expect(await post(`http://127.0.0.1:${ports.bridgePort}/webhook/quiet`, '{}')).toBe(0);
}, 120_000);
