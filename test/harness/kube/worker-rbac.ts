/**
 * The worker's shipped RBAC applied as an operator would (deploy/kubernetes/worker-rbac.yaml, then
 * worker-namespace.yaml per served namespace), and a kubeconfig that authenticates as the worker's real
 * ServiceAccount (a bound token from the TokenRequest API): every call made with it is checked by RBAC and by the
 * admission policy that matches that account, as in a cluster.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { serviceAccountKubeconfig } from './service-account';
import type { KubeCluster } from './kube-cluster';

const DEPLOY = path.resolve(__dirname, '../../../deploy/kubernetes');
export const WORKER_ACCOUNT = { namespace: 'kelos-system', name: 'kelos-worker' };

export function deployDocs(file: string): Record<string, any>[] {
  return k8s.loadAllYaml(fs.readFileSync(path.join(DEPLOY, file), 'utf8')) as Record<string, any>[];
}

export interface WorkerIdentity {
  kubeConfig: k8s.KubeConfig;
  kubeconfigPath: string;
}

/** Applies the manifests (a repeated object is fine) and returns the ServiceAccount's kubeconfig. */
export async function applyWorkerRbac(cluster: KubeCluster, namespaces: string[]): Promise<WorkerIdentity> {
  const objects = k8s.KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
  const create = (doc: Record<string, any>) =>
    objects.create(doc).catch((err) => {
      if ((err as { code?: number }).code !== 409) throw err;
    });
  for (const doc of deployDocs('worker-rbac.yaml')) await create(doc);
  const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  for (const namespace of namespaces) {
    await core.createNamespace({ body: { metadata: { name: namespace } } }).catch((err) => {
      if ((err as { code?: number }).code !== 409) throw err;
    });
    for (const doc of deployDocs('worker-namespace.yaml')) await create({ ...doc, metadata: { ...doc.metadata, namespace } });
  }
  const { kubeConfig, kubeconfigPath } = await serviceAccountKubeconfig(cluster, WORKER_ACCOUNT);
  if (namespaces.length) await waitForAdmissionPolicy(kubeConfig, namespaces[0]);
  return { kubeConfig, kubeconfigPath };
}

/**
 * The API server loads a new ValidatingAdmissionPolicy asynchronously (its type check and informer): until then it
 * would let a write through. Probe with a dry-run write as the policy's subject until it is refused.
 */
export async function waitForAdmissionPolicy(worker: k8s.KubeConfig, namespace: string): Promise<void> {
  const probe = worker.makeApiClient(k8s.CoreV1Api);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const refused = await probe
      .createNamespacedConfigMap({ namespace, body: { metadata: { name: 'kelos-policy-probe' } }, dryRun: 'All' })
      .then(() => false, (err) => String((err as { body?: unknown }).body).includes('kelos worker'));
    if (refused) return;
    if (Date.now() > deadline) throw new Error('the kelos-worker admission policy did not take effect within 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}
