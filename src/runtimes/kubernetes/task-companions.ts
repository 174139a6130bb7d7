/**
 * The objects that live and die with a Task's Pod: the plugins ConfigMap, the MCP servers Secret and the GitHub
 * App token Secret (src/runtimes/kubernetes/agent-config-pod.ts names them). They are written before the Pod, so the
 * kubelet finds them at once; a retried attempt (a killed worker) replaces its own and refuses a stranger's, told apart
 * by the workflow-ID annotation, as for the Pod. Once the Pod exists they get it as owner, so Kubernetes' garbage
 * collector removes them with it; cancel and TTL also delete them explicitly.
 */
import * as k8s from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/activity';
import { taskCompanionNames } from './agent-config-pod';
import { TASK_LABEL, WORKFLOW_ANNOTATION } from './task-pod';

export const TOKEN_EXPIRY_ANNOTATION = 'kelos.dev/token-expires-at';

export type Companion = { kind: 'ConfigMap'; object: k8s.V1ConfigMap } | { kind: 'Secret'; object: k8s.V1Secret };

export function companionMetadata(name: string, namespace: string, taskName: string, workflowId: string, annotations: Record<string, string> = {}): k8s.V1ObjectMeta {
  return { name, namespace, labels: { [TASK_LABEL]: taskName, 'app.kubernetes.io/managed-by': 'kelos-temporal' }, annotations: { [WORKFLOW_ANNOTATION]: workflowId, ...annotations } };
}

export class TaskCompanions {
  constructor(private readonly core: k8s.CoreV1Api) {}

  /** Creates it, or replaces the one a previous attempt of this Task wrote. */
  async write(companion: Companion): Promise<void> {
    const { name, namespace } = companion.object.metadata as { name: string; namespace: string };
    const workflowId = companion.object.metadata?.annotations?.[WORKFLOW_ANNOTATION];
    try {
      if (companion.kind === 'ConfigMap') await this.core.createNamespacedConfigMap({ namespace, body: companion.object });
      else await this.core.createNamespacedSecret({ namespace, body: companion.object });
      return;
    } catch (err) {
      if (code(err) !== 409) throw err;
    }
    const existing = companion.kind === 'ConfigMap' ? await this.core.readNamespacedConfigMap({ name, namespace }) : await this.core.readNamespacedSecret({ name, namespace });
    if (existing.metadata?.annotations?.[WORKFLOW_ANNOTATION] !== workflowId) {
      throw ApplicationFailure.nonRetryable(`${companion.kind} ${namespace}/${name} exists and belongs to something else (annotation ${WORKFLOW_ANNOTATION} is not ${workflowId})`, 'PodConflict');
    }
    // Keep what Kubernetes set (resourceVersion, ownerReferences); replace the content.
    const body = { ...companion.object, metadata: { ...existing.metadata, ...companion.object.metadata, ownerReferences: existing.metadata?.ownerReferences } };
    if (companion.kind === 'ConfigMap') await this.core.replaceNamespacedConfigMap({ name, namespace, body: body as k8s.V1ConfigMap });
    else await this.core.replaceNamespacedSecret({ name, namespace, body: body as k8s.V1Secret });
  }

  /** Makes the Pod their owner (Kubernetes then deletes them with it). */
  async ownBy(pod: k8s.V1Pod, companions: Companion[]): Promise<void> {
    const { name, namespace, uid } = pod.metadata as { name: string; namespace: string; uid: string };
    const patch = { metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name, uid }] } };
    const options = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    await Promise.all(
      companions.map(({ kind, object }) => {
        const target = { name: object.metadata!.name!, namespace, body: patch };
        return kind === 'ConfigMap' ? this.core.patchNamespacedConfigMap(target, options) : this.core.patchNamespacedSecret(target, options);
      }),
    );
  }

  /**
   * Removes every companion a Pod of this name may have (absent ones are fine); an object of that name that is not
   * this Task's (a user's Secret that happens to be called `<pod>-mcp`) is left alone.
   */
  async deleteFor(namespace: string, podName: string, workflowId: string): Promise<void> {
    const names = taskCompanionNames(podName);
    const ours = (object: { metadata?: k8s.V1ObjectMeta }) => object.metadata?.annotations?.[WORKFLOW_ANNOTATION] === workflowId;
    const precondition = (object: { metadata?: k8s.V1ObjectMeta }) => ({ preconditions: { uid: object.metadata!.uid! } });
    await Promise.all([
      ignoreMissing(async () => {
        const found = await this.core.readNamespacedConfigMap({ name: names.plugins, namespace });
        if (ours(found)) await this.core.deleteNamespacedConfigMap({ name: names.plugins, namespace, body: precondition(found) });
      }),
      ...[names.mcp, names.githubToken].map((name) =>
        ignoreMissing(async () => {
          const found = await this.core.readNamespacedSecret({ name, namespace });
          if (ours(found)) await this.core.deleteNamespacedSecret({ name, namespace, body: precondition(found) });
        }),
      ),
    ]);
  }
}

/** Gone already, or replaced meanwhile (a uid precondition failed): nothing of ours to delete. */
async function ignoreMissing(request: () => Promise<unknown>): Promise<void> {
  try {
    await request();
  } catch (err) {
    if (code(err) !== 404 && code(err) !== 409) throw err;
  }
}

export function code(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}
