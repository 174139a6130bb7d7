/** The Kubernetes runtime as the CLI selects it: `--runtime` (env KELOS_RUNTIME) and the kubeconfig to use. */
import type { KubeConfig } from '@kubernetes/client-node';
import { KelosError } from '../kelos-api';

export interface KubeFlags {
  runtime?: string;
  kubeconfig?: string;
}

export function selectedRuntime(flags: KubeFlags): 'local' | 'kubernetes' {
  const kind = flags.runtime ?? process.env.KELOS_RUNTIME ?? 'local';
  if (kind !== 'local' && kind !== 'kubernetes') throw new KelosError(`invalid --runtime "${kind}": use local or kubernetes`);
  return kind;
}

/** --kubeconfig, else KUBECONFIG, ~/.kube/config or the in-cluster service account. Loaded lazily: the client is large. */
export async function loadKubeConfig(flags: KubeFlags): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kubeConfig = new KubeConfig();
  try {
    if (flags.kubeconfig) kubeConfig.loadFromFile(flags.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (err) {
    throw new KelosError(`cannot load the kubeconfig${flags.kubeconfig ? ` ${flags.kubeconfig}` : ''}: ${(err as Error).message}`);
  }
  if (!kubeConfig.getCurrentCluster()) throw new KelosError('no Kubernetes cluster configured: pass --kubeconfig, set KUBECONFIG, or run in a cluster');
  return kubeConfig;
}
