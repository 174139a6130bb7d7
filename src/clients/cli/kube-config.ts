/** The Kubernetes runtime as the CLI selects it: `--runtime` (env KELOS_RUNTIME) and the kubeconfig to use. */
import * as fs from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import YAML from 'yaml';
import { parseNamespaces, parsePodPolicyAllow, PodPolicyError, type PodPolicy } from '../../runtimes/kubernetes/pod-policy';
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

/** `--namespaces` / KELOS_NAMESPACES and the `--pod-policy` file / KELOS_POD_POLICY, as the worker enforces them. */
export async function loadPodPolicy(namespaces: string | undefined, policyFile: string | undefined): Promise<PodPolicy> {
  try {
    const served = parseNamespaces(namespaces, '--namespaces / KELOS_NAMESPACES');
    if (!policyFile) return { namespaces: served, allow: parsePodPolicyAllow(undefined, '') };
    let text: string;
    try {
      text = fs.readFileSync(policyFile, 'utf8');
    } catch (err) {
      throw new KelosError(`cannot read the pod policy ${policyFile}: ${(err as Error).message}`);
    }
    return { namespaces: served, allow: parsePodPolicyAllow(YAML.parse(text), policyFile) };
  } catch (err) {
    if (err instanceof PodPolicyError || err instanceof YAML.YAMLParseError) throw new KelosError((err as Error).message);
    throw err;
  }
}
