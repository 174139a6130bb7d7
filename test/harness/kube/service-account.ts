/** A kubeconfig that authenticates as a real ServiceAccount, as its Pods would, so RBAC and admission apply. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { KubeCluster } from './kube-cluster';

export interface ServiceAccountIdentity {
  kubeConfig: k8s.KubeConfig;
  kubeconfigPath: string;
}

/** A kubeconfig that authenticates as a ServiceAccount, with a bound token from the TokenRequest API. */
export async function serviceAccountKubeconfig(cluster: KubeCluster, account: { namespace: string; name: string }): Promise<ServiceAccountIdentity> {
  const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const token = await core.createNamespacedServiceAccountToken({ ...account, body: { spec: { audiences: [], expirationSeconds: 24 * 3600 } } });
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'kelos-test', server: cluster.server, skipTLSVerify: true }],
    users: [{ name: account.name, token: token.status!.token }],
    contexts: [{ name: account.name, cluster: 'kelos-test', user: account.name }],
    currentContext: account.name,
  });
  const kubeconfigPath = path.join(cluster.dir, `kubeconfig-sa-${account.namespace}-${account.name}`);
  fs.writeFileSync(kubeconfigPath, kubeConfig.exportConfig(), { mode: 0o600 });
  return { kubeConfig, kubeconfigPath };
}
