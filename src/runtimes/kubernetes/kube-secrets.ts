/**
 * Kubernetes Secrets as the {@link SecretSource} of a worker on the Kubernetes runtime: the Workspace token, Jira
 * credentials and MCP server secrets are read from the cluster, where `kubectl create secret` put them.
 */
import * as k8s from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { checkNamespace, DEFAULT_POLICY, PodPolicyError } from './pod-policy';
import { SecretNotFoundError, type SecretSource } from '../../host/secret-source';

/** `namespaces`: the ones the worker serves (its policy); a read anywhere else is refused for good. */
export function kubernetesSecretSource(kubeConfig: k8s.KubeConfig, namespaces: string[] | '*' = DEFAULT_POLICY.namespaces): SecretSource {
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  return {
    where: 'Kubernetes',
    async read(namespace, name) {
      try {
        checkNamespace(namespace, { namespaces, allow: DEFAULT_POLICY.allow });
      } catch (err) {
        if (err instanceof PodPolicyError) throw ApplicationFailure.nonRetryable(`Secret "${name}": ${err.message}`, 'PodPolicy');
        throw err;
      }
      let secret: k8s.V1Secret;
      try {
        secret = await core.readNamespacedSecret({ name, namespace });
      } catch (err) {
        if ((err as { code?: number }).code === 404) throw new SecretNotFoundError(namespace, name, `create it with \`kubectl create secret generic ${name} -n ${namespace}\``);
        throw err;
      }
      return secretText(secret);
    },
  };
}

/** A Secret's `data` decoded as UTF-8 (what the API returns), with any `stringData` over it. */
export function secretText(secret: k8s.V1Secret): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret.data ?? {})) data[key] = Buffer.from(value, 'base64').toString('utf8');
  return { ...data, ...(secret.stringData ?? {}) };
}
