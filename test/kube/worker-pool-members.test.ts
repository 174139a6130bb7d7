/**
 * WorkerPool members on Kubernetes, against a real kube-apiserver: a WorkerPool object applied like `kubectl apply`
 * (Kelos example 15) is stored in Temporal by `kelos controller`, which makes its StatefulSet and headless Service
 * (accepted by the API server, owned by the object, Task-Pod security), scales it when `replicas` changes, writes
 * the pool's status from the StatefulSet (Kelos's Ready/Phase columns) and deletes them with the pool; a pool
 * applied with `kelos apply` (Temporal only) gets members too, removed when it is deleted. The member Pod, its PVC
 * from the template, in a namespace enforcing the restricted Pod Security Standard, is accepted and run by the fake
 * kubelet, while its container runs as a real `kelos worker --pool` process (args, env, POD_NAME, the claim as a
 * local directory) that takes a pooled Task to Succeeded.
 *
 * There is no kube-controller-manager in this bed: where the StatefulSet controller would create the Pod and PVC
 * and count ready replicas, the test does it from the StatefulSet the controller made.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { parseManifests, type TaskResource } from '../../src/model';
import { applyResource, type AppliedResource } from '../../src/clients/apply-resource';
import { memberSettingsFromEnv } from '../../src/clients/kube-controller/pool-reconciler';
import { startControllerBed, type ControllerBed } from '../harness/kube/controller-bed';
import { startRenderedContainer, type RunningContainer } from '../harness/kube/helm-chart';
import { FAKE_NODE } from '../harness/kube/kube-cluster';
import { eventually } from '../harness/kelos-stack';
import { testServerAddress } from '../harness/temporal';
import { makeUpstream } from '../local/git-fixture';

const EXAMPLE = path.resolve(__dirname, '../../../shared/fixtures/kelos-examples/15-workerpool');
const AGENT = path.resolve(__dirname, '../fixtures/images/pool-agent.sh');
const GROUP = { group: 'kelos.dev', version: 'v1alpha2', namespace: 'default' };

let bed: ControllerBed;
let apps: k8s.AppsV1Api;
let member: RunningContainer | undefined;

beforeAll(async () => {
  bed = await startControllerBed('pool-members', (stack) => ({ image: 'kelos-temporal:test-agents', env: [{ name: 'TEMPORAL_ADDRESS', value: testServerAddress() }, { name: 'KELOS_TASK_QUEUE', value: stack.taskQueue }] }));
  apps = bed.cluster.kubeConfig.makeApiClient(k8s.AppsV1Api);
  // Task Pods' standard: the member Pod must meet it too.
  await bed.core.patchNamespace({ name: 'default', body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
}, 240_000);
afterAll(async () => {
  await member?.stop();
  await bed?.stop();
});

const readSet = (name: string) => apps.readNamespacedStatefulSet({ namespace: 'default', name }).catch((err) => ((err as { code?: number }).code === 404 ? undefined : Promise.reject(err)));
const readService = (name: string) => bed.core.readNamespacedService({ namespace: 'default', name }).catch((err) => ((err as { code?: number }).code === 404 ? undefined : Promise.reject(err)));
const readPool = (name: string) => bed.custom.getNamespacedCustomObject({ ...GROUP, plural: 'workerpools', name }) as Promise<Record<string, any>>;

async function apply(manifest: Record<string, unknown>): Promise<void> {
  const parsed = parseManifests(JSON.stringify(manifest), 'test.json');
  if (parsed.errors.length || parsed.unsupported.length) throw new Error([...parsed.errors, ...parsed.unsupported].map(String).join('\n'));
  await applyResource(bed.stack.api, parsed.resources[0] as AppliedResource);
}

test('a WorkerPool object gets a StatefulSet and headless Service the API server accepts; a member Pod runs a pooled Task; replicas scale it; status is written back; deleting the pool removes them', async () => {
  const upstream = makeUpstream(fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-pool-upstream-')));
  const workspace = YAML.parse(fs.readFileSync(path.join(EXAMPLE, 'workspace.yaml'), 'utf8'));
  workspace.spec.repo = upstream.url;
  delete workspace.spec.secretRef; // a local repository needs no token
  await bed.custom.createNamespacedCustomObject({ ...GROUP, plural: 'workspaces', body: { ...workspace, apiVersion: 'kelos.dev/v1alpha2' } });
  const pool = YAML.parse(fs.readFileSync(path.join(EXAMPLE, 'workerpool.yaml'), 'utf8'));
  pool.spec.replicas = 1;
  pool.spec.worker.image = AGENT; // the local runtime's agent command: the member runs agents in its own container
  await eventually(async () => (await bed.stack.api.getStoredResource('Workspace', 'default', 'my-repo')) ?? undefined, 30_000, 'the Workspace stored');
  const created = (await bed.custom.createNamespacedCustomObject({ ...GROUP, plural: 'workerpools', body: pool })) as Record<string, any>;

  // The StatefulSet and Service, as the API server accepted them.
  const set = await eventually(() => readSet('wp-my-pool'), 30_000, 'the StatefulSet');
  const service = await eventually(() => readService('wp-my-pool'), 30_000, 'the Service');
  expect(service.spec?.clusterIP).toBe('None');
  expect(set.spec?.serviceName).toBe('wp-my-pool');
  expect(set.spec?.replicas).toBe(1);
  for (const owned of [set, service]) expect(owned.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'WorkerPool', name: 'my-pool', uid: created.metadata.uid, controller: true })]);
  expect(set.spec?.volumeClaimTemplates?.[0].spec).toEqual(expect.objectContaining({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } }));
  const podSpec = set.spec!.template.spec!;
  expect(podSpec.automountServiceAccountToken).toBe(false);
  expect(podSpec.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, runAsUser: 61100, fsGroup: 61100, seccompProfile: { type: 'RuntimeDefault' } }));
  const container = podSpec.containers[0];
  expect(container.image).toBe('kelos-temporal:test-agents');
  expect(container.args).toEqual(['--namespace', 'default', 'worker', '--pool', 'my-pool', '--member', '$(POD_NAME)']);
  expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  expect(container.volumeMounts).toEqual([
    { name: 'home', mountPath: '/var/lib/kelos/member' },
    { name: 'secret-0', mountPath: '/var/lib/kelos/secrets/default/anthropic-api-key', readOnly: true },
  ]);
  expect(podSpec.volumes).toEqual([{ name: 'secret-0', secret: { secretName: 'anthropic-api-key', defaultMode: 0o440 } }]);
  expect(container.env).toEqual(expect.arrayContaining([{ name: 'KELOS_HOME', value: '/var/lib/kelos/member/home' }, { name: 'TEMPORAL_ADDRESS', value: testServerAddress() }]));

  // The pool's credentials, a Secret of its namespace: the Task's checks and the member's mounted store read it.
  await bed.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'anthropic-api-key' }, stringData: { ANTHROPIC_API_KEY: 'sk-test' } } });
  // What the StatefulSet controller would do: the member's PVC from the template, then its Pod, on the fake node.
  const claim = set.spec!.volumeClaimTemplates![0];
  await bed.core.createNamespacedPersistentVolumeClaim({ namespace: 'default', body: { metadata: { name: `home-wp-my-pool-0`, labels: claim.metadata?.labels }, spec: claim.spec } });
  bed.kubelet.script('wp-my-pool-0', { runMs: 600_000 });
  await bed.core.createNamespacedPod({
    namespace: 'default',
    body: {
      metadata: { name: 'wp-my-pool-0', labels: set.spec!.template.metadata!.labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'wp-my-pool', uid: set.metadata!.uid!, controller: true }] },
      spec: { ...podSpec, nodeName: FAKE_NODE, hostname: 'wp-my-pool-0', subdomain: 'wp-my-pool', volumes: [{ name: 'home', persistentVolumeClaim: { claimName: 'home-wp-my-pool-0' } }, ...(podSpec.volumes ?? [])] },
    },
  });
  await eventually(async () => (bed.kubelet.phases('wp-my-pool-0').includes('Running') ? true : undefined), 30_000, 'the member Pod Running');

  // Its container as a real process, the claim a local directory holding the member's home; the credentials Secret
  // mounted from Kubernetes where its secret store reads it.
  const claimDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-pool-claim-'));

  member = await startRenderedContainer({ cluster: bed.cluster, workload: set as unknown as Record<string, any>, namespace: 'default', podName: 'wp-my-pool-0', claimDirs: { home: claimDir } });
  const task = YAML.parse(fs.readFileSync(path.join(EXAMPLE, 'task-with-pool.yaml'), 'utf8'));
  await eventually(async () => (await bed.stack.api.getStoredResource('WorkerPool', 'default', 'my-pool')) ?? undefined, 30_000, 'the WorkerPool stored');
  const parsed = parseManifests(JSON.stringify(task), 'task.json');
  await applyResource(bed.stack.api, parsed.resources[0] as TaskResource);
  const done = await eventually(async () => {
    const t = await bed.stack.api.getTask('default', 'example-task');
    return t && ['Succeeded', 'Failed'].includes(String(t.status.phase)) ? t : undefined;
  }, 90_000, 'the pooled Task done');
  if (done.status.phase !== 'Succeeded') console.error(member.output());
  expect({ phase: done.status.phase, message: done.status.message, podName: done.status.podName }).toEqual({ phase: 'Succeeded', message: 'Task completed successfully', podName: 'wp-my-pool-0' });
  // The member's directory is on its claim.
  expect(fs.existsSync(path.join(claimDir, 'home', 'pools', 'default', 'my-pool', 'wp-my-pool-0'))).toBe(true);

  // Status from the StatefulSet, once its controller counted the ready member; Kelos's columns read it.
  await apps.patchNamespacedStatefulSetStatus({ namespace: 'default', name: 'wp-my-pool', body: { status: { replicas: 1, readyReplicas: 1, availableReplicas: 1 } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  await eventually(async () => ((await readPool('my-pool')).status?.phase === 'Ready' ? true : undefined), 30_000, 'the pool Ready');
  expect((await readPool('my-pool')).status).toEqual(expect.objectContaining({ phase: 'Ready', replicas: 1, readyReplicas: 1, statefulSetName: 'wp-my-pool', serviceName: 'wp-my-pool' }));
  const table = await bed.table('/apis/kelos.dev/v1alpha2/namespaces/default/workerpools');
  expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Type', 'Replicas', 'Ready', 'Phase', 'Workspace', 'Age']);
  expect(table.rows[0].cells.slice(0, 6)).toEqual(['my-pool', 'claude-code', 1, 1, 'Ready', 'my-repo']);

  // Scaling: replicas 3 updates the StatefulSet; the pool is Scaling until they are ready.
  await bed.custom.patchNamespacedCustomObject({ ...GROUP, plural: 'workerpools', name: 'my-pool', body: { spec: { replicas: 3 } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  await eventually(async () => ((await readSet('wp-my-pool'))?.spec?.replicas === 3 ? true : undefined), 30_000, 'the StatefulSet scaled to 3');
  await eventually(async () => ((await readPool('my-pool')).status?.phase === 'Scaling' ? true : undefined), 30_000, 'the pool Scaling');
  expect((await readPool('my-pool')).status?.message).toBe('1/3 workers ready');

  // Deleting the pool object removes its members' StatefulSet and Service, and the pool from Temporal.
  await member.stop();
  await bed.custom.deleteNamespacedCustomObject({ ...GROUP, plural: 'workerpools', name: 'my-pool' });
  await eventually(async () => ((await readSet('wp-my-pool')) === undefined && (await readService('wp-my-pool')) === undefined ? true : undefined), 30_000, 'the StatefulSet and Service deleted');
  expect(await bed.stack.api.getStoredResource('WorkerPool', 'default', 'my-pool')).toBeUndefined();
}, 240_000);

test('a pool applied with `kelos apply` (Temporal only) gets members too, with no owner, and loses them when deleted', async () => {
  const pool = YAML.parse(fs.readFileSync(path.join(EXAMPLE, 'workerpool.yaml'), 'utf8'));
  pool.metadata.name = 'cli-pool';
  await apply(pool);
  const set = await eventually(() => readSet('wp-cli-pool'), 30_000, 'the StatefulSet');
  expect(set.spec?.replicas).toBe(2);
  expect(set.metadata?.ownerReferences).toBeUndefined();
  expect(await readService('wp-cli-pool')).toBeDefined();
  await bed.stack.api.deleteStoredResource('WorkerPool', 'default', 'cli-pool');
  await eventually(async () => ((await readSet('wp-cli-pool')) === undefined && (await readService('wp-cli-pool')) === undefined ? true : undefined), 30_000, 'the StatefulSet and Service deleted');
}, 120_000);

test('the members get the controller\'s plain Temporal settings, never its secret ones (those come from kelos-pool-member)', () => {
  const settings = memberSettingsFromEnv({ TEMPORAL_ADDRESS: 'temporal.example.com:7233', TEMPORAL_NAMESPACE: 'prod', KELOS_TASK_QUEUE: 'kelos', TEMPORAL_API_KEY: 'secret-key', KELOS_ENCRYPTION_KEY: 'c2VjcmV0', KELOS_HOME: '/var/lib/kelos/home' }, 'kelos:agents');
  expect(settings).toEqual({ image: 'kelos:agents', env: [{ name: 'TEMPORAL_ADDRESS', value: 'temporal.example.com:7233' }, { name: 'TEMPORAL_NAMESPACE', value: 'prod' }, { name: 'KELOS_TASK_QUEUE', value: 'kelos' }] });
  expect(memberSettingsFromEnv({ KELOS_POOL_IMAGE: 'registry.example.com/kelos:agents' }, 'kelos:agents').image).toBe('registry.example.com/kelos:agents');
});
