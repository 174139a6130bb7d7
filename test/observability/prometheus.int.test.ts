/**
 * A real Prometheus (Debian's `prometheus`, which `.ci/run` installs) scrapes a kelos worker process and a webhook
 * bridge process on loopback, with the alert rules loaded: the Task and Temporal SDK metrics are queryable, every
 * rule evaluates, and every metric the dashboard and the rules use is one the processes export.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'yaml';
import { taskWorkflowId } from '../../src/task/task-run';
import { freePort } from '../../src/host/free-port';
import { packageRoot } from '../../src/host/package-root';
import { KelosTestStack, eventually, startKelosTestStack, uniqueName } from '../harness/kelos-stack';
import { testServerAddress } from '../harness/temporal';

const OBSERVABILITY = path.join(packageRoot(), 'deploy', 'observability');
const RULES = path.join(OBSERVABILITY, 'kelos-alerts.rules.yml');
const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh');

function which(binary: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${binary} is not installed: this test needs Debian's prometheus package (.ci/run installs it: apt-get install prometheus)`);
  }
}

let stack: KelosTestStack;
let prometheus: ChildProcess;
let bridge: ChildProcess;
let promUrl: string;
let workerMetrics: string;
let bridgeUrl: string;

beforeAll(async () => {
  const prometheusBin = which('prometheus');
  stack = await startKelosTestStack('prometheus');
  const [workerPort, bridgePort, promPort] = [await freePort(), await freePort(), await freePort()];
  workerMetrics = `127.0.0.1:${workerPort}`;
  bridgeUrl = `http://127.0.0.1:${bridgePort}`;
  stack.startWorkerProcess(['--metrics-address', workerMetrics]);
  bridge = spawn(process.execPath, [path.join(packageRoot(), 'bin', 'kelos.js'), '--address', testServerAddress(), 'bridge', '--host', '127.0.0.1', '--port', String(bridgePort)], { stdio: 'ignore', env: { ...process.env, KELOS_HOME: stack.home } });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-prometheus-'));
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [RULES],
    scrape_configs: [
      { job_name: 'kelos-worker', static_configs: [{ targets: [workerMetrics] }] },
      { job_name: 'kelos-bridge', static_configs: [{ targets: [`127.0.0.1:${bridgePort}`] }] },
    ],
  };
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), yaml.stringify(config));
  promUrl = `http://127.0.0.1:${promPort}`;
  prometheus = spawn(prometheusBin, [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' });
}, 120_000);

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  bridge?.kill('SIGTERM');
  await stack?.teardown();
});

async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`query ${expr}: ${JSON.stringify(body)}`);
  return body.data.result;
}

it('scrapes Task and Temporal SDK metrics from the worker and delivery counts from the bridge, and evaluates every alert rule', async () => {
  const name = uniqueName('scraped');
  await stack.api.startTask({ namespace: 'default', name, agentType: 'gemini', prompt: 'be measured', model: 'gemini-2.5-pro', image: IMAGE, credentials: { type: 'none' }, agentConfigRefs: [], env: [], labels: {}, sourceKind: 'cli', spec: {}, apiVersion: 'kelos.dev/v1alpha2' } as never);
  expect((await stack.env.client.workflow.getHandle(taskWorkflowId('default', name)).result()).phase).toBe('Succeeded');
  // A delivery no spawner wants: the bridge counts it by outcome.
  await eventually(async () => (await fetch(`${bridgeUrl}/webhook/generic-nobody`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).catch(() => undefined)) ?? undefined, 30_000, 'the bridge');

  const cost = await eventually(async () => {
    const found = await query('kelos_task_cost_usd_total{type="gemini"}').catch(() => []);
    return found.length ? found : undefined;
  }, 60_000, 'the Task cost in Prometheus');
  expect(cost[0].metric).toMatchObject({ job: 'kelos-worker', namespace: 'default', type: 'gemini', model: 'gemini-2.5-pro' }); // an empty spawner label is no label
  expect(Number(cost[0].value[1])).toBeCloseTo(0.42, 6);
  expect(Number((await query('kelos_task_completed_total{type="gemini",phase="Succeeded"}'))[0].value[1])).toBe(1);
  expect((await query('temporal_workflow_task_schedule_to_start_latency_count{job="kelos-worker"}')).length).toBeGreaterThan(0);
  const deliveries = await eventually(async () => {
    const found = await query('kelos_webhook_deliveries_total{job="kelos-bridge"}');
    return found.length ? found : undefined;
  }, 30_000, 'the bridge deliveries in Prometheus');
  expect(deliveries.map((d) => d.metric.outcome).length).toBeGreaterThan(0);

  // Every rule is loaded and evaluates without error.
  const groups = await eventually(async () => {
    const body = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] } };
    const rules = body.data.groups.flatMap((g) => g.rules);
    return rules.length && rules.every((r) => r.health === 'ok') ? rules : undefined;
  }, 30_000, 'every rule evaluated healthy');
  expect(groups.map((r) => r.name).sort()).toEqual(ruleNames().sort());
}, 180_000);

it('the dashboard and the alert rules use only metrics that the worker and the bridge export', async () => {
  const exported = new Set<string>();
  for (const url of [`http://${workerMetrics}/metrics`, `${bridgeUrl}/metrics`]) {
    const text = await (await fetch(url)).text();
    for (const line of text.split('\n')) {
      const typed = /^# TYPE (\S+) (\S+)/.exec(line);
      if (typed) {
        exported.add(typed[1]);
        if (typed[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(typed[1] + suffix);
      }
      const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
      if (sample) exported.add(sample[1]);
    }
  }
  const dashboard = JSON.parse(fs.readFileSync(path.join(OBSERVABILITY, 'grafana-dashboard.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
  const exprs = [...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...ruleExprs()];
  const used = new Set(exprs.flatMap((e) => e.match(/\b(?:kelos|temporal)_[a-z_]+\b/g) ?? []));
  expect(used.size).toBeGreaterThan(15);
  expect([...used].filter((name) => !exported.has(name))).toEqual([]);
});

it('promtool accepts the rules file, and the PrometheusRule carries the same groups', () => {
  expect(execFileSync(which('promtool'), ['check', 'rules', RULES], { encoding: 'utf8' })).toContain('SUCCESS: 8 rules found');
  const plain = yaml.parse(fs.readFileSync(RULES, 'utf8'));
  const operator = yaml.parse(fs.readFileSync(path.join(OBSERVABILITY, 'prometheus-rule.yaml'), 'utf8'));
  expect(operator).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule' });
  expect(operator.spec).toEqual(plain);
});

function rules(): { alert: string; expr: string }[] {
  return (yaml.parse(fs.readFileSync(RULES, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);
}
const ruleNames = () => rules().map((r) => r.alert);
const ruleExprs = () => rules().map((r) => r.expr);
