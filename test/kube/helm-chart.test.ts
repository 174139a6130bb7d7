/**
 * The Helm chart (deploy/helm/kelos-temporal) with helm built from the Go module proxy: `helm lint`; `helm template`
 * with the default values and with every option on, the schema refusing bad values with the field named; every flag
 * the chart passes to `kelos` exists; the CRDs are deploy/kubernetes/crds.yaml; `helm install` (hooks skipped) and
 * `helm uninstall` against a real kube-apiserver, the CRDs kept; the rendered objects applied with
 * server-side apply to a real kube-apiserver; the chart's ServiceAccounts hold exactly the permissions of
 * deploy/kubernetes (per served namespace, cluster-wide only for "*") and the worker's admission policy matches its
 * account; and the real `kelos` processes started as the chart's containers would start them (args, environment,
 * mounted ConfigMaps and Secrets, the ServiceAccount's token): `kelos setup` from the hook Job, the bridge, the codec
 * server, and a Task object applied with kubectl carried by the controller to Temporal and run by the worker as a
 * Pod, both serving their metrics where the chart tells them.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { taskPodName } from '../../src/runtimes/kubernetes/task-pod';
import { freePort } from '../../src/clients/dev/temporal-dev-server';
import { packageRoot } from '../../src/host/package-root';
import { startFakeKubelet, type FakeKubelet } from '../harness/kube/fake-kubelet';
import { defaultMemberImage } from '../../src/clients/kube-controller/pool-members';
import { FAKE_NODE, ensureDefaultServiceAccount, startKubeCluster, type KubeCluster } from '../harness/kube/kube-cluster';
import { CHART, helm, renderChart, serverSideApply, startRenderedContainer, valuesFile, waitForOutput, type RunningContainer } from '../harness/kube/helm-chart';
import { serviceAccountKubeconfig, type ServiceAccountIdentity } from '../harness/kube/service-account';
import { deployDocs, waitForAdmissionPolicy } from '../harness/kube/worker-rbac';
import { eventually } from '../harness/kelos-stack';
import { testServerAddress, uniqueTaskQueue } from '../harness/temporal';

const RELEASE = 'kelos-temporal';
const RELEASE_NS = 'kelos-system';
const SERVED = ['default', 'team-a'];
const OUTPUTS = '---KELOS_OUTPUTS_START---\nbranch: kelos/helm\npr: https://github.com/acme/widgets/pull/7\n---KELOS_OUTPUTS_END---\n';
const taskQueue = uniqueTaskQueue('helm-chart');
const kindsOf = (docs: Record<string, any>[]) => docs.map((d) => `${d.kind}/${d.metadata.name}${d.metadata.namespace ? ` -n ${d.metadata.namespace}` : ''}`);
const find = (docs: Record<string, any>[], kind: string, name: string) => {
  const doc = docs.find((d) => d.kind === kind && d.metadata.name === name);
  if (!doc) throw new Error(`${kind}/${name} is not rendered; rendered: ${kindsOf(docs).join(', ')}`);
  return doc;
};

/** Every option on (namespaces "*", TLS, API key, encryption, codec server, Ingress, NodePort, PodMonitor, …). */
const EVERY_OPTION = {
  namespaces: '*',
  image: { tag: 'test', pullPolicy: 'Always' },
  imagePullSecrets: [{ name: 'regcred' }],
  temporal: {
    address: 'temporal.example.com:7233',
    namespace: 'kelos',
    taskQueue: 'kelos-prod',
    tls: { enabled: true, existingSecret: 'temporal-tls', serverName: 'temporal.example.com' },
    apiKey: { existingSecret: 'temporal-api-key', key: 'api-key' },
  },
  encryption: { existingSecret: 'kelos-encryption', oldKeysKey: 'KELOS_ENCRYPTION_OLD_KEYS' },
  serviceAccounts: { worker: { name: 'custom-worker', annotations: { 'example.com/role': 'worker' } } },
  worker: {
    replicas: 3,
    agentImageTag: 'v0.9.0',
    workflowCache: 100,
    podPolicy: { allow: { serviceAccountNames: ['agent-builder'], hostPaths: ['/var/cache/agents'], capabilities: ['NET_ADMIN'] } },
    podDisruptionBudget: { enabled: true, maxUnavailable: '50%' },
    extraEnv: [{ name: 'GITHUB_TOKEN', valueFrom: { secretKeyRef: { name: 'github', key: 'token' } } }],
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'kelos', operator: 'Exists', effect: 'NoSchedule' }],
    podAnnotations: { 'example.com/scrape': 'yes' },
  },
  bridge: {
    replicas: 2,
    webhookSecrets: { existingSecret: 'kelos-webhooks', githubKey: 'github', linearKey: 'linear', generic: { 'my-source': 'my-source' } },
    service: { type: 'NodePort', nodePort: 30080, annotations: { 'example.com/lb': 'x' } },
    ingress: { enabled: true, className: 'nginx', annotations: { 'example.com/ingress': 'x' }, hosts: [{ host: 'hooks.example.com', paths: [{ path: '/webhook', pathType: 'Prefix' }] }], tls: [{ hosts: ['hooks.example.com'], secretName: 'hooks-tls' }] },
  },
  codecServer: { enabled: true, tokenSecret: { existingSecret: 'kelos-codec' }, corsOrigins: ['https://temporal-ui.example.com'], allowedHosts: ['codec.example.com'] },
  setup: { retention: '30d' },
  metrics: { podMonitor: { enabled: true, labels: { release: 'prometheus' } } },
};

const helpTexts = new Map<string, string>();
/** `kelos <command> --help`, once per command. */
function helpOf(command: string): string {
  if (!helpTexts.has(command)) {
    const result = spawnSync(process.execPath, [path.join(packageRoot(), 'bin', 'kelos.js'), command, '--help'], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`kelos ${command} --help: ${result.stderr}`);
    helpTexts.set(command, result.stdout);
  }
  return helpTexts.get(command)!;
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

function readTree(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile() && e.name.endsWith('.js')).map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'));
}

/** What the applied release runs with here: this test's Temporal and queue, the fake kubelet's Node. */
let bridgePort = 0;
let codecPort = 0;
const CODEC_TOKEN = 'codec-bearer-token';
const installValues = () => ({
  namespaces: SERVED,
  temporal: { address: testServerAddress(), namespace: 'default', taskQueue },
  // No scheduler in the test bed: the worker binds Task Pods to the fake kubelet's Node.
  worker: { extraEnv: [{ name: 'KELOS_NODE_NAME', value: FAKE_NODE }] },
  bridge: { port: bridgePort, webhookSecrets: { existingSecret: 'kelos-webhooks', githubKey: 'github' } },
  encryption: { existingSecret: 'kelos-encryption' },
  codecServer: { enabled: true, port: codecPort, tokenSecret: { existingSecret: 'kelos-codec' } },
});

let cluster: KubeCluster;
let kubelet: FakeKubelet;
let installed: Record<string, any>[];
const running: RunningContainer[] = [];

beforeAll(async () => {
  bridgePort = await freePort();
  codecPort = await freePort();
  const kubeletPort = await freePort();
  cluster = await startKubeCluster({ kubeletPort });
  kubelet = await startFakeKubelet(cluster.kubeConfig, cluster.dir, kubeletPort);
  for (const namespace of [RELEASE_NS, 'team-a', 'elsewhere', 'kelos-all']) await ensureDefaultServiceAccount(cluster.kubeConfig, namespace);
  // The Secrets an operator creates before installing (the chart only refers to them).
  const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedSecret({ namespace: RELEASE_NS, body: { metadata: { name: 'kelos-webhooks' }, stringData: { github: 'gh-webhook-secret' } } });
  await core.createNamespacedSecret({ namespace: RELEASE_NS, body: { metadata: { name: 'kelos-encryption' }, stringData: { KELOS_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') } } });
  await core.createNamespacedSecret({ namespace: RELEASE_NS, body: { metadata: { name: 'kelos-codec' }, stringData: { KELOS_CODEC_TOKEN: CODEC_TOKEN } } });
}, 180_000);
afterAll(async () => {
  for (const container of running) await container.stop();
  await kubelet?.stop();
  await cluster?.stop();
});

describe('helm lint and template', () => {
  test('helm lint passes with the default values and with every option on', () => {
    for (const args of [[], ['-f', valuesFile(EVERY_OPTION)]]) {
      const result = helm(['lint', '--strict', CHART, ...args]);
      expect({ code: result.code, out: result.stdout + result.stderr }).toMatchObject({ code: 0, out: expect.stringContaining('0 chart(s) failed') });
    }
  });

  test('the chart\'s CRDs are deploy/kubernetes/crds.yaml (kept on uninstall in crds/)', () => {
    const copy = fs.readFileSync(path.join(CHART, 'crds', 'crds.yaml'), 'utf8');
    const source = fs.readFileSync(path.join(packageRoot(), 'deploy', 'kubernetes', 'crds.yaml'), 'utf8');
    // On a difference: cp deploy/kubernetes/crds.yaml deploy/helm/kelos-temporal/crds/crds.yaml
    expect(copy).toBe(source);
  });

  test('the default values: namespaced grants for "default" only, no Secret, the image at the chart\'s appVersion', () => {
    const docs = renderChart(RELEASE, RELEASE_NS, {});
    expect(docs.filter((d) => d.kind === 'Secret')).toEqual([]);
    expect(docs.filter((d) => d.kind === 'ClusterRoleBinding')).toEqual([]);
    expect(docs.filter((d) => d.kind === 'RoleBinding').map((d) => d.metadata.namespace)).toEqual(['default', 'default']);
    expect(docs.filter((d) => d.kind === 'PodMonitor' || d.kind === 'Ingress')).toEqual([]);
    const chart = YAML.parse(fs.readFileSync(path.join(CHART, 'Chart.yaml'), 'utf8'));
    const worker = find(docs, 'Deployment', `${RELEASE}-worker`).spec.template.spec;
    expect(worker.containers[0].image).toBe(`ghcr.io/kelos-dev/kelos-temporal:${chart.appVersion}`);
    expect(worker.containers[0].args).toEqual(['worker', '--runtime', 'kubernetes', '--namespaces', 'default', '--pod-policy', '/etc/kelos/pod-policy/pod-policy.yaml']);
    expect(find(docs, 'Deployment', `${RELEASE}-controller-default`).spec.template.spec.containers[0].args).toEqual(['controller', '--watch-namespace', 'default']);
    // WorkerPool members: the same image with the agent CLIs, which is also the controller's own default.
    const controllerEnv = find(docs, 'Deployment', `${RELEASE}-controller-default`).spec.template.spec.containers[0].env;
    expect(controllerEnv).toContainEqual({ name: 'KELOS_POOL_IMAGE', value: `ghcr.io/kelos-dev/kelos-temporal:${chart.appVersion}-agents` });
    expect(defaultMemberImage()).toBe(`ghcr.io/kelos-dev/kelos-temporal:${chart.appVersion}-agents`);
    expect(find(docs, 'Job', `${RELEASE}-setup`).metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(find(docs, 'PodDisruptionBudget', `${RELEASE}-worker`).spec.maxUnavailable).toBe(1);
    expect(find(docs, 'Service', `${RELEASE}-bridge`).spec.type).toBe('ClusterIP');
    expect(docs.some((d) => d.kind === 'Deployment' && d.metadata.name.includes('codec'))).toBe(false);
  });

  test('every option on: TLS files and API key from Secrets, cluster-wide grants for "*", codec server, Ingress, PodMonitor', () => {
    const docs = renderChart('all', 'kelos-all', EVERY_OPTION);
    const worker = find(docs, 'Deployment', 'all-kelos-temporal-worker').spec.template.spec;
    const container = worker.containers[0];
    expect(container.args).toEqual(['worker', '--runtime', 'kubernetes', '--namespaces', '*', '--pod-policy', '/etc/kelos/pod-policy/pod-policy.yaml', '--image-tag', 'v0.9.0', '--workflow-cache', '100']);
    const env = Object.fromEntries(container.env.map((e: k8s.V1EnvVar) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal.example.com:7233',
      TEMPORAL_NAMESPACE: 'kelos',
      KELOS_TASK_QUEUE: 'kelos-prod',
      TEMPORAL_TLS: 'true',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/etc/kelos/temporal-tls/ca.crt',
      TEMPORAL_TLS_CLIENT_CERT_PATH: '/etc/kelos/temporal-tls/tls.crt',
      TEMPORAL_TLS_CLIENT_KEY_PATH: '/etc/kelos/temporal-tls/tls.key',
      TEMPORAL_TLS_SERVER_NAME: 'temporal.example.com',
      TEMPORAL_API_KEY: { secretKeyRef: { name: 'temporal-api-key', key: 'api-key' } },
      KELOS_ENCRYPTION_KEY: { secretKeyRef: { name: 'kelos-encryption', key: 'KELOS_ENCRYPTION_KEY' } },
      KELOS_ENCRYPTION_OLD_KEYS: { secretKeyRef: { name: 'kelos-encryption', key: 'KELOS_ENCRYPTION_OLD_KEYS' } },
      KELOS_METRICS_ADDRESS: '0.0.0.0:9464',
      GITHUB_TOKEN: { secretKeyRef: { name: 'github', key: 'token' } },
    });
    expect(worker.volumes.find((v: k8s.V1Volume) => v.name === 'temporal-tls').secret.secretName).toBe('temporal-tls');
    expect(worker.serviceAccountName).toBe('custom-worker');
    expect(YAML.parse(find(docs, 'ConfigMap', 'all-kelos-temporal-pod-policy').data['pod-policy.yaml'])).toEqual(EVERY_OPTION.worker.podPolicy);
    expect(docs.filter((d) => d.kind === 'RoleBinding')).toEqual([]);
    expect(docs.filter((d) => d.kind === 'ClusterRoleBinding').map((d) => d.subjects[0].name).sort()).toEqual(['all-kelos-temporal-controller', 'custom-worker']);
    expect(find(docs, 'ValidatingAdmissionPolicy', 'all-kelos-temporal-worker-writes-only-its-own').spec.matchConditions[0].expression).toBe("request.userInfo.username == 'system:serviceaccount:kelos-all:custom-worker'");
    // One controller for every namespace.
    expect(find(docs, 'Deployment', 'all-kelos-temporal-controller').spec.template.spec.containers[0].args).toEqual(['controller']);

    const bridge = find(docs, 'Deployment', 'all-kelos-temporal-bridge').spec.template.spec.containers[0];
    expect(Object.fromEntries(bridge.env.filter((e: k8s.V1EnvVar) => e.name.endsWith('_FILE')).map((e: k8s.V1EnvVar) => [e.name, e.value]))).toEqual({
      KELOS_GITHUB_WEBHOOK_SECRET_FILE: '/etc/kelos/webhook-secrets/github',
      KELOS_LINEAR_WEBHOOK_SECRET_FILE: '/etc/kelos/webhook-secrets/linear',
      KELOS_WEBHOOK_SECRET_MY_SOURCE_FILE: '/etc/kelos/webhook-secrets/my-source',
    });
    expect(find(docs, 'Service', 'all-kelos-temporal-bridge').spec).toMatchObject({ type: 'NodePort', ports: [{ nodePort: 30080, targetPort: 'http' }] });
    const ingress = find(docs, 'Ingress', 'all-kelos-temporal-bridge').spec;
    expect(ingress.rules[0].http.paths).toEqual([{ path: '/webhook', pathType: 'Prefix', backend: { service: { name: 'all-kelos-temporal-bridge', port: { name: 'http' } } } }]);
    const codec = find(docs, 'Deployment', 'all-kelos-temporal-codec').spec.template.spec.containers[0];
    expect(codec.args).toEqual(['codec-server', '--host', '0.0.0.0', '--port', '8888', '--cors-origin', 'https://temporal-ui.example.com', '--allowed-hosts', 'all-kelos-temporal-codec,all-kelos-temporal-codec.kelos-all,all-kelos-temporal-codec.kelos-all.svc,all-kelos-temporal-codec.kelos-all.svc.cluster.local,codec.example.com']);
    expect(codec.env.find((e: k8s.V1EnvVar) => e.name === 'KELOS_CODEC_TOKEN').valueFrom.secretKeyRef).toEqual({ name: 'kelos-codec', key: 'KELOS_CODEC_TOKEN' });
    const monitor = find(docs, 'PodMonitor', 'all-kelos-temporal');
    expect(monitor.metadata.labels.release).toBe('prometheus');
    expect(monitor.spec.podMetricsEndpoints.map((e: { port: string; path: string }) => `${e.port} ${e.path}`)).toEqual(['metrics /metrics', 'http /metrics']);
    expect(find(docs, 'Job', 'all-kelos-temporal-setup').spec.template.spec.containers[0].args).toEqual(['setup', '--retention', '30d']);
    // Secrets are referred to, never written.
    expect(docs.filter((d) => d.kind === 'Secret')).toEqual([]);
  });

  test('a LoadBalancer Service carries its source ranges', () => {
    const docs = renderChart(RELEASE, RELEASE_NS, { bridge: { service: { type: 'LoadBalancer', loadBalancerSourceRanges: ['192.0.2.0/24'] } } });
    expect(find(docs, 'Service', `${RELEASE}-bridge`).spec).toMatchObject({ type: 'LoadBalancer', loadBalancerSourceRanges: ['192.0.2.0/24'] });
  });

  const renderedContainers = () =>
    [...renderChart(RELEASE, RELEASE_NS, {}), ...renderChart('all', 'kelos-all', EVERY_OPTION)]
      .filter((d) => d.kind === 'Deployment' || d.kind === 'Job')
      .map((d) => d.spec.template.spec.containers[0] as k8s.V1Container);

  test('every flag the chart passes exists in the kelos CLI', () => {
    const commands = new Set<string>();
    for (const { args } of renderedContainers()) {
      const command = args![0];
      commands.add(command);
      for (const flag of args!.filter((a) => a.startsWith('--'))) expect(`${command}: ${helpOf(command).match(new RegExp(`(^|\\s)${flag}[\\s,]`)) ? flag : `${flag} missing`}`).toBe(`${command}: ${flag}`);
    }
    expect([...commands].sort()).toEqual(['bridge', 'codec-server', 'controller', 'setup', 'worker']);
  });

  test('every environment variable the chart sets is one kelos (or Temporal\'s client configuration) reads', () => {
    const sources = [...readTree(path.join(packageRoot(), 'dist')), ...readTree(path.join(packageRoot(), 'node_modules', '@temporalio', 'envconfig', 'lib'))].join('\n');
    const names = new Set(renderedContainers().flatMap((c) => (c.env ?? []).map((e) => e.name)));
    for (const name of names) {
      // `<NAME>_FILE` is read as NAME's file; a generic source's secret variable is matched by its prefix.
      const read = name.startsWith('KELOS_WEBHOOK_SECRET_') ? /['"`]KELOS_WEBHOOK_SECRET_/ : new RegExp(`['"\`.]${name.replace(/_FILE$/, '')}(?![A-Z0-9_])`);
      expect(`${name}: ${read.test(sources) ? 'read' : 'never read'}`).toBe(`${name}: read`);
    }
    expect(names).toContain('TEMPORAL_TLS_SERVER_CA_CERT_PATH');
  });

  test.each([
    [{ worker: { replicas: -1 } }, "at '/worker/replicas': minimum: got -1, want 0"],
    [{ namespaces: ['Team_A'] }, "at '/namespaces/0': 'Team_A' does not match pattern"],
    [{ namespaces: 'all' }, "at '/namespaces'"],
    [{ bridge: { service: { type: 'External' } } }, "at '/bridge/service/type': value must be one of 'ClusterIP', 'LoadBalancer', 'NodePort'"],
    [{ worker: { replica: 2 } }, "at '/worker': additional properties 'replica' not allowed"],
    [{ worker: { podAnnotations: { 'example.com/port': 9464 } } }, "at '/worker/podAnnotations/example.com~1port': got number, want string"],
    [{ worker: { podPolicy: { allow: { root: true } } } }, "at '/worker/podPolicy/allow': additional properties 'root' not allowed"],
    [{ setup: { retention: 'a week' } }, "at '/setup/retention': 'a week' does not match pattern"],
    [{ temporal: { address: 'temporal.example.com' } }, "at '/temporal/address'"],
    [{ temporal: { tls: { enabled: true } } }, 'temporal.tls.existingSecret: name the Secret holding the TLS files'],
    [{ codecServer: { enabled: true, tokenSecret: { existingSecret: 'token' } } }, 'encryption.existingSecret: the codec server needs the encryption keys'],
    [{ codecServer: { enabled: true }, encryption: { existingSecret: 'keys' } }, 'codecServer.tokenSecret.existingSecret'],
    [{ bridge: { webhookSecrets: { githubKey: 'github' } } }, 'bridge.webhookSecrets.existingSecret'],
  ])('a bad value is refused with the field named: %j', (values, message) => {
    const result = helm(['template', RELEASE, CHART, '-f', valuesFile(values)]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  });
});

describe('helm install and uninstall', () => {
  // Runs before the server-side apply below, on a cluster without the CRDs, so helm itself installs them. Hooks are
  // skipped: with no controller-manager here the setup Job would never run (its container is run further down).
  test('helm install creates the CRDs from crds/ and the release; helm uninstall removes the release and keeps the CRDs', async () => {
    const extensions = cluster.kubeConfig.makeApiClient(k8s.ApiextensionsV1Api);
    const apps = cluster.kubeConfig.makeApiClient(k8s.AppsV1Api);
    const crdNames = async () => (await extensions.listCustomResourceDefinition()).items.map((c) => c.metadata!.name).filter((n) => n!.endsWith('.kelos.dev')).sort();
    expect(await crdNames()).toEqual([]);
    const kube = ['--kubeconfig', cluster.kubeconfigPath, '--namespace', 'kelos-helm'];
    const install = helm(['install', 'kept', CHART, ...kube, '--create-namespace', '--no-hooks', '-f', valuesFile({ namespaces: ['elsewhere'] })]);
    expect({ code: install.code, out: install.stdout + install.stderr }).toMatchObject({ code: 0, out: expect.stringContaining('STATUS: deployed') });
    expect(await crdNames()).toEqual(['agentconfigs.kelos.dev', 'taskbudgets.kelos.dev', 'tasks.kelos.dev', 'taskspawners.kelos.dev', 'workerpools.kelos.dev', 'workspaces.kelos.dev']);
    expect((await apps.listNamespacedDeployment({ namespace: 'kelos-helm' })).items.map((d) => d.metadata!.name).sort()).toEqual(['kept-kelos-temporal-bridge', 'kept-kelos-temporal-controller-elsewhere', 'kept-kelos-temporal-worker']);

    const uninstall = helm(['uninstall', 'kept', ...kube]);
    expect({ code: uninstall.code, out: uninstall.stdout + uninstall.stderr }).toMatchObject({ code: 0, out: expect.stringContaining('uninstalled') });
    expect(await crdNames()).toEqual(['agentconfigs.kelos.dev', 'taskbudgets.kelos.dev', 'tasks.kelos.dev', 'taskspawners.kelos.dev', 'workerpools.kelos.dev', 'workspaces.kelos.dev']);
    await eventually(async () => ((await apps.listNamespacedDeployment({ namespace: 'kelos-helm' })).items.length === 0 ? true : undefined), 30_000, 'the release\'s Deployments removed');
    const rbac = cluster.kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api);
    expect((await rbac.listClusterRole()).items.map((r) => r.metadata!.name).filter((n) => n!.startsWith('kept-'))).toEqual([]);
  }, 120_000);
});

/** The effective rules of an identity in a namespace (SelfSubjectRulesReview), as `group/resource verb` lines. */
async function effectiveRules(identity: k8s.KubeConfig, namespace: string): Promise<string[]> {
  const review = await identity.makeApiClient(k8s.AuthorizationV1Api).createSelfSubjectRulesReview({ body: { spec: { namespace } } });
  // Every authenticated identity may review itself (system:basic-user); that is not the chart's grant.
  const own = review.status!.resourceRules.filter((r) => !r.apiGroups?.every((g) => g === 'authorization.k8s.io' || g === 'authentication.k8s.io'));
  return expand(own);
}

function expand(rules: { apiGroups?: string[]; resources?: string[]; verbs: string[] }[]): string[] {
  const lines = new Set<string>();
  for (const rule of rules) for (const group of rule.apiGroups ?? ['']) for (const resource of rule.resources ?? []) for (const verb of rule.verbs) lines.add(`${group}/${resource} ${verb}`);
  return [...lines].sort();
}

const shippedRules = (file: string) => expand(deployDocs(file).find((d) => d.kind === 'ClusterRole')!.rules);

describe('installed on a real kube-apiserver', () => {
  let worker: ServiceAccountIdentity;
  let controller: ServiceAccountIdentity;

  beforeAll(async () => {
    installed = renderChart(RELEASE, RELEASE_NS, installValues());
    await serverSideApply(cluster.kubeConfig, installed, RELEASE_NS);
    worker = await serviceAccountKubeconfig(cluster, { namespace: RELEASE_NS, name: `${RELEASE}-worker` });
    controller = await serviceAccountKubeconfig(cluster, { namespace: RELEASE_NS, name: `${RELEASE}-controller` });
  }, 120_000);

  test('every rendered object is accepted, the CRDs are established, and so is the every-option render (with a PodMonitor CRD)', async () => {
    const extensions = cluster.kubeConfig.makeApiClient(k8s.ApiextensionsV1Api);
    for (const crd of installed.filter((d) => d.kind === 'CustomResourceDefinition')) {
      await eventually(async () => ((await extensions.readCustomResourceDefinition({ name: crd.metadata.name })).status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined), 30_000, `${crd.metadata.name} established`);
    }
    const apps = cluster.kubeConfig.makeApiClient(k8s.AppsV1Api);
    expect((await apps.listNamespacedDeployment({ namespace: RELEASE_NS })).items.map((d) => d.metadata!.name).sort()).toEqual([`${RELEASE}-bridge`, `${RELEASE}-codec`, `${RELEASE}-controller-default`, `${RELEASE}-controller-team-a`, `${RELEASE}-worker`]);

    // The Prometheus Operator's CRD is not part of this test bed: a minimal one, so the PodMonitor is applied too.
    const podMonitorCrd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'podmonitors.monitoring.coreos.com' },
      spec: { group: 'monitoring.coreos.com', scope: 'Namespaced', names: { kind: 'PodMonitor', plural: 'podmonitors', singular: 'podmonitor', listKind: 'PodMonitorList' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }] },
    };
    await serverSideApply(cluster.kubeConfig, [podMonitorCrd], '');
    await eventually(async () => ((await extensions.readCustomResourceDefinition({ name: podMonitorCrd.metadata.name })).status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined), 30_000, 'the PodMonitor CRD established');
    const everything = renderChart('all', 'kelos-all', EVERY_OPTION).filter((d) => d.kind !== 'CustomResourceDefinition');
    await serverSideApply(cluster.kubeConfig, everything, 'kelos-all');
    const custom = cluster.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    const monitor = (await custom.getNamespacedCustomObject({ group: 'monitoring.coreos.com', version: 'v1', namespace: 'kelos-all', plural: 'podmonitors', name: 'all-kelos-temporal' })) as Record<string, any>;
    expect(monitor.spec.podMetricsEndpoints).toHaveLength(2);
    const service = await cluster.kubeConfig.makeApiClient(k8s.CoreV1Api).readNamespacedService({ name: 'all-kelos-temporal-bridge', namespace: 'kelos-all' });
    expect(service.spec!.ports![0].nodePort).toBe(30080);
  });

  test('the worker\'s ServiceAccount has exactly deploy/kubernetes/worker-rbac.yaml\'s rules in each served namespace, none elsewhere', async () => {
    const expected = shippedRules('worker-rbac.yaml');
    expect(expected).toContain('/secrets get');
    for (const namespace of SERVED) expect(await effectiveRules(worker.kubeConfig, namespace)).toEqual(expected);
    expect(await effectiveRules(worker.kubeConfig, 'elsewhere')).toEqual([]);
    expect(await effectiveRules(worker.kubeConfig, RELEASE_NS)).toEqual([]);
  });

  test('the controller\'s ServiceAccount has exactly deploy/kubernetes/controller-rbac.yaml\'s rules in each served namespace, none elsewhere', async () => {
    const expected = shippedRules('controller-rbac.yaml');
    for (const namespace of SERVED) expect(await effectiveRules(controller.kubeConfig, namespace)).toEqual(expected);
    expect(await effectiveRules(controller.kubeConfig, 'elsewhere')).toEqual([]);
  });

  test('kubectl auth can-i, as the chart\'s accounts', async () => {
    const authz = cluster.kubeConfig.makeApiClient(k8s.AuthorizationV1Api);
    const can = async (account: string, attributes: k8s.V1ResourceAttributes) => {
      const review = await authz.createSubjectAccessReview({ body: { spec: { user: `system:serviceaccount:${RELEASE_NS}:${account}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${RELEASE_NS}`, 'system:authenticated'], resourceAttributes: attributes } } });
      return review.status!.allowed;
    };
    const w = `${RELEASE}-worker`;
    const c = `${RELEASE}-controller`;
    expect(await can(w, { verb: 'create', resource: 'pods', namespace: 'team-a' })).toBe(true);
    expect(await can(w, { verb: 'get', resource: 'pods', subresource: 'log', namespace: 'default' })).toBe(true);
    expect(await can(w, { verb: 'list', resource: 'secrets', namespace: 'default' })).toBe(false);
    expect(await can(w, { verb: 'get', resource: 'secrets', namespace: 'elsewhere' })).toBe(false);
    expect(await can(w, { verb: 'list', resource: 'pods' })).toBe(false);
    expect(await can(w, { verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: 'default' })).toBe(false);
    expect(await can(c, { verb: 'watch', group: 'kelos.dev', resource: 'tasks', namespace: 'default' })).toBe(true);
    expect(await can(c, { verb: 'list', group: 'kelos.dev', resource: 'tasks' })).toBe(false);
    expect(await can(c, { verb: 'get', resource: 'secrets', namespace: 'default' })).toBe(false);
    expect(await can(c, { verb: 'create', resource: 'pods', namespace: 'default' })).toBe(false);
  });

  test('the worker\'s admission policy matches the chart\'s worker account: a user\'s objects stay read-only to it', async () => {
    await waitForAdmissionPolicy(worker.kubeConfig, 'default');
    const core = worker.kubeConfig.makeApiClient(k8s.CoreV1Api);
    const err = await core.createNamespacedSecret({ namespace: 'team-a', body: { metadata: { name: 'unlabelled' }, stringData: { a: 'b' } } }).then(() => undefined, (e) => e as { body?: unknown });
    expect(String(err?.body)).toContain(`ValidatingAdmissionPolicy '${RELEASE}-worker-writes-only-its-own'`);
  });

  test('every Pod of the chart is admitted where the "restricted" Pod Security Standard is enforced', async () => {
    const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
    await core.patchNamespace({ name: RELEASE_NS, body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    const workloads = installed.filter((d) => d.kind === 'Deployment' || d.kind === 'Job');
    expect(workloads.length).toBe(6);
    for (const workload of workloads) {
      // No controller-manager here to make Pods from the templates: the same Pod, created as a dry run.
      const pod = { metadata: { name: `${workload.metadata.name}-check`, labels: workload.spec.template.metadata.labels }, spec: workload.spec.template.spec };
      await core.createNamespacedPod({ namespace: RELEASE_NS, body: pod, dryRun: 'All' }).catch((err) => {
        throw new Error(`${workload.kind} ${workload.metadata.name}'s Pod refused: ${String((err as { body?: unknown }).body ?? err)}`);
      });
    }
    // A Pod that is not restricted is refused there, so the check above means something.
    const loose = core.createNamespacedPod({ namespace: RELEASE_NS, body: { metadata: { name: 'loose' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, dryRun: 'All' });
    await expect(loose).rejects.toMatchObject({ code: 403, body: expect.stringMatching(/violates PodSecurity .{1,4}restricted:latest/) });
  });

  test('the setup hook\'s container runs kelos setup against Temporal', async () => {
    const setup = await startRenderedContainer({ cluster, workload: find(installed, 'Job', `${RELEASE}-setup`), namespace: RELEASE_NS });
    running.push(setup);
    const code = await new Promise<number | null>((resolve) => setup.process.once('exit', (c) => resolve(c)));
    expect({ code, output: setup.output() }).toEqual({ code: 0, output: expect.stringContaining('search attribute KelosPhase (Keyword): already present') });
  });

  test('the bridge\'s container serves webhooks, health and metrics on its port, its secret from the mounted Secret', async () => {
    const bridge = await startRenderedContainer({ cluster, workload: find(installed, 'Deployment', `${RELEASE}-bridge`), namespace: RELEASE_NS });
    running.push(bridge);
    await waitForOutput(bridge, 'kelos webhook bridge on');
    expect(bridge.env.KELOS_GITHUB_WEBHOOK_SECRET_FILE).toMatch(/webhook-secrets\/github$/);
    expect(fs.readFileSync(bridge.env.KELOS_GITHUB_WEBHOOK_SECRET_FILE, 'utf8')).toBe('gh-webhook-secret');
    expect(bridge.output()).not.toContain('KELOS_GITHUB_WEBHOOK_SECRET is not set');
    const get = (urlPath: string) => httpGet(`http://127.0.0.1:${bridgePort}${urlPath}`);
    expect((await get('/readyz')).status).toBe(200);
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('# TYPE');
    // A GitHub delivery without a signature is refused: the mounted secret is in force.
    const unsigned = await new Promise<number>((resolve, reject) => {
      const request = http.request(`http://127.0.0.1:${bridgePort}/webhook/github`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': 'helm-1' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end('{}');
    });
    expect(unsigned).toBe(401);
  });

  test('the codec server\'s container decodes only for the bearer of the token from its Secret', async () => {
    const codec = await startRenderedContainer({ cluster, workload: find(installed, 'Deployment', `${RELEASE}-codec`), namespace: RELEASE_NS });
    running.push(codec);
    await waitForOutput(codec, 'kelos codec server on');
    const decode = (authorization?: string) => new Promise<number>((resolve, reject) => {
      const request = http.request(`http://127.0.0.1:${codecPort}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end(JSON.stringify({ payloads: [] }));
    });
    expect(await decode()).toBe(401);
    expect(await decode(`Bearer ${CODEC_TOKEN}`)).toBe(200);
  });

  test('a Task applied with kubectl: the chart\'s controller carries it to Temporal, the chart\'s worker runs its Pod', async () => {
    // The chart's metrics address (0.0.0.0:9464) would be one port for both processes on this one host.
    const ports = { worker: await freePort(), controller: await freePort() };
    const workerProcess = await startRenderedContainer({ cluster, workload: find(installed, 'Deployment', `${RELEASE}-worker`), namespace: RELEASE_NS, kubeconfigPath: worker.kubeconfigPath, override: { KELOS_METRICS_ADDRESS: `127.0.0.1:${ports.worker}` } });
    running.push(workerProcess);
    const controllerProcess = await startRenderedContainer({ cluster, workload: find(installed, 'Deployment', `${RELEASE}-controller-default`), namespace: RELEASE_NS, kubeconfigPath: controller.kubeconfigPath, override: { KELOS_METRICS_ADDRESS: `127.0.0.1:${ports.controller}` } });
    running.push(controllerProcess);
    await waitForOutput(workerProcess, `task queue ${taskQueue}, runtime kubernetes`);
    await waitForOutput(controllerProcess, 'kelos controller watching namespace default');

    // Both serve their metrics where KELOS_METRICS_ADDRESS says (the chart's PodMonitor scrapes that port).
    for (const [started, port] of [[workerProcess, ports.worker], [controllerProcess, ports.controller]] as const) {
      expect(started.output()).toContain(`metrics at http://127.0.0.1:${port}/metrics`);
      expect((await httpGet(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
    }

    kubelet.script(taskPodName('default', 'helm-task'), { logs: { 'kelos-agent': OUTPUTS } });
    const objects = k8s.KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
    await objects.create({ apiVersion: 'kelos.dev/v1alpha2', kind: 'Task', metadata: { name: 'helm-task', namespace: 'default' }, spec: { type: 'claude-code', prompt: 'Say hello', credentials: { type: 'none' } } } as k8s.KubernetesObject);
    const custom = cluster.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    const done = await eventually(async () => {
      const task = (await custom.getNamespacedCustomObject({ group: 'kelos.dev', version: 'v1alpha2', namespace: 'default', plural: 'tasks', name: 'helm-task' })) as Record<string, any>;
      return task.status?.phase === 'Succeeded' || task.status?.phase === 'Failed' ? task : undefined;
    }, 90_000, `the Task to finish (worker: ${workerProcess.output()}; controller: ${controllerProcess.output()})`);
    expect(done.status).toMatchObject({ phase: 'Succeeded', results: { pr: 'https://github.com/acme/widgets/pull/7' } });
    // The worker process had no other Kubernetes credentials than the worker account's token (startRenderedContainer).
    const pod = await cluster.kubeConfig.makeApiClient(k8s.CoreV1Api).readNamespacedPod({ name: taskPodName('default', 'helm-task'), namespace: 'default' });
    expect(pod.metadata!.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'kelos-temporal' });
  });
});
