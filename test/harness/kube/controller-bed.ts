/**
 * A test bed for `kelos controller`: a real kube-apiserver with the shipped CRDs and RBAC, a fake kubelet, a Kelos
 * stack whose worker runs Tasks as Pods, and the controller, each running as a user bound to its shipped role.
 */
import * as https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { freePort } from '../../../src/clients/dev/temporal-dev-server';
import { startResourceController, type ResourceController } from '../../../src/clients/kube-controller/resource-controller';
import type { MemberPodSettings } from '../../../src/clients/kube-controller/pool-members';
import { KelosTestStack, eventually, startKelosTestStack } from '../kelos-stack';
import { startFakeKubelet, type FakeKubelet } from './fake-kubelet';
import { applyWorkerRbac, deployDocs } from './worker-rbac';
import { FAKE_NODE, startKubeCluster, type KubeCluster } from './kube-cluster';

export interface ControllerBed {
  cluster: KubeCluster;
  kubelet: FakeKubelet;
  stack: KelosTestStack;
  controller: ResourceController;
  objects: k8s.KubernetesObjectApi;
  custom: k8s.CustomObjectsApi;
  core: k8s.CoreV1Api;
  /** GET `apiPath` as the server's Table (what `kubectl get` prints, from the CRD's printer columns). */
  table(apiPath: string): Promise<{ columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] }>;
  stop(): Promise<void>;
}

/** `poolMembers`: the WorkerPool members' settings the controller is given, from the stack (its Temporal address and task queue). */
export async function startControllerBed(name: string, poolMembers?: (stack: KelosTestStack) => MemberPodSettings): Promise<ControllerBed> {
  const kubeletPort = await freePort();
  const cluster = await startKubeCluster({ kubeletPort, users: { 'kelos-controller': [] } });
  const kubelet = await startFakeKubelet(cluster.kubeConfig, cluster.dir, kubeletPort);
  const objects = k8s.KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
  const custom = cluster.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const extensions = cluster.kubeConfig.makeApiClient(k8s.ApiextensionsV1Api);
  for (const crd of deployDocs('crds.yaml')) await objects.create(crd);
  for (const crd of deployDocs('crds.yaml')) {
    await eventually(async () => ((await extensions.readCustomResourceDefinition({ name: crd.metadata.name })).status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined), 30_000, `${crd.metadata.name} established`);
  }
  const worker = await applyWorkerRbac(cluster, ['default']);
  // Like `kubectl apply -f controller-rbac.yaml`, the role bound to the controller's token user too.
  for (const doc of deployDocs('controller-rbac.yaml')) {
    await objects.create(doc).catch((err) => {
      if ((err as { code?: number }).code !== 409) throw err;
    });
    if (doc.kind === 'ClusterRoleBinding') await objects.create({ ...doc, metadata: { name: `${doc.metadata.name}-user` }, subjects: [{ kind: 'User', name: 'kelos-controller', apiGroup: 'rbac.authorization.k8s.io' }] });
  }
  const stack = await startKelosTestStack(name);
  await stack.startWorker({ runtime: { kind: 'kubernetes', kubeConfig: worker.kubeConfig, nodeName: FAKE_NODE } });
  const controller = await startResourceController({ kubeConfig: cluster.kubeConfigFor('kelos-controller'), api: stack.api, syncIntervalMs: 500, log: () => undefined, ...(poolMembers ? { poolMembers: poolMembers(stack) } : {}) });

  async function table(apiPath: string) {
    const options: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } };
    await cluster.kubeConfig.applyToHTTPSOptions(options);
    const body = await new Promise<string>((resolve, reject) => {
      const request = https.request(new URL(apiPath, cluster.server), options, (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => (response.statusCode === 200 ? resolve(text) : reject(new Error(`GET ${apiPath}: ${response.statusCode} ${text}`))));
      });
      request.on('error', reject);
      request.end();
    });
    return JSON.parse(body);
  }

  return {
    cluster,
    kubelet,
    stack,
    controller,
    objects,
    custom,
    core,
    table,
    async stop() {
      await controller.stop();
      await stack.teardown();
      await kubelet.stop();
      await cluster.stop();
    },
  };
}
