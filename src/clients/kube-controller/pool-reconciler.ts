/**
 * WorkerPool members on Kubernetes, kept by `kelos controller`: every WorkerPool in Temporal's store of a watched
 * namespace (applied with `kelos apply`, or a WorkerPool object the controller stored) gets its StatefulSet and
 * headless Service (pool-members.ts), server-side applied so a changed `replicas` scales it; a StatefulSet or
 * Service labelled for a pool that is no longer stored is deleted. Pools that are Kubernetes objects own their
 * StatefulSet and Service (ownerReferences, for the garbage collector) and get Kelos's status back (phase, replicas,
 * readyReplicas from the StatefulSet).
 */
import * as k8s from '@kubernetes/client-node';
import { ALL_NAMESPACES, type KelosApi } from '../kelos-api';
import { CONTROLLER_MANAGER, KELOS_GROUP, WATCHED_VERSION, type KelosObject } from './kelos-objects';
import { MANAGED_BY, POOL_LABEL, memberService, memberSetName, memberStatefulSet, poolStatus, type MemberPodSettings, type StoredPool } from './pool-members';

export interface PoolReconcilerOptions {
  kubeConfig: k8s.KubeConfig;
  api: KelosApi;
  namespace?: string;
  settings: MemberPodSettings;
}

export interface PoolReconciler {
  /** One pass: `objects` are the WorkerPool objects (owners and status targets); the pools themselves come from Temporal. */
  reconcile(objects: readonly KelosObject[], patchStatus: (object: KelosObject, status: Record<string, unknown>) => Promise<void>): Promise<void>;
}

export function createPoolReconciler(options: PoolReconcilerOptions): PoolReconciler {
  const apps = options.kubeConfig.makeApiClient(k8s.AppsV1Api);
  const core = options.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const generic = k8s.KubernetesObjectApi.makeApiClient(options.kubeConfig);
  const selector = `${Object.entries(MANAGED_BY).map(([k, v]) => `${k}=${v}`).join(',')},${POOL_LABEL}`;

  async function apply(object: k8s.KubernetesObject): Promise<void> {
    await generic.patch(object, undefined, undefined, CONTROLLER_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
  }

  /** The Secrets a member reads: the pool's credentials and its Workspace's. */
  async function secretsOf(pool: StoredPool): Promise<string[]> {
    const worker = (pool.spec as { worker?: { credentials?: { secretRef?: { name?: string } }; workspaceRef?: { name?: string } } }).worker;
    const names = [worker?.credentials?.secretRef?.name];
    if (worker?.workspaceRef?.name) {
      const workspace = await options.api.getStoredResource('Workspace', pool.metadata.namespace, worker.workspaceRef.name);
      names.push(workspace?.spec.secretRef?.name);
    }
    return names.filter((name): name is string => Boolean(name));
  }

  return {
    async reconcile(objects, patchStatus) {
      const pools = (await options.api.listStoredResources('WorkerPool', options.namespace ?? ALL_NAMESPACES)) as unknown as StoredPool[];
      const wanted = new Set(pools.map((p) => `${p.metadata.namespace}/${memberSetName(p.metadata.name)}`));
      for (const pool of pools) {
        const object = objects.find((o) => o.metadata?.namespace === pool.metadata.namespace && o.metadata?.name === pool.metadata.name && !o.metadata?.deletionTimestamp);
        const owner = object ? ownerOf(object) : undefined;
        await apply(memberService(pool, owner));
        await apply(memberStatefulSet(pool, options.settings, await secretsOf(pool), owner));
        if (object) {
          const set = await apps.readNamespacedStatefulSet({ namespace: pool.metadata.namespace, name: memberSetName(pool.metadata.name) });
          await patchStatus(object, poolStatus(pool, set));
        }
      }
      // Members of pools no longer stored (deleted with `kelos delete`, or their object deleted).
      const sets = options.namespace ? await apps.listNamespacedStatefulSet({ namespace: options.namespace, labelSelector: selector }) : await apps.listStatefulSetForAllNamespaces({ labelSelector: selector });
      for (const set of sets.items) {
        const { namespace, name } = set.metadata as { namespace: string; name: string };
        if (wanted.has(`${namespace}/${name}`)) continue;
        await apps.deleteNamespacedStatefulSet({ namespace, name }).catch(ignoreNotFound);
      }
      const services = options.namespace ? await core.listNamespacedService({ namespace: options.namespace, labelSelector: selector }) : await core.listServiceForAllNamespaces({ labelSelector: selector });
      for (const service of services.items) {
        const { namespace, name } = service.metadata as { namespace: string; name: string };
        if (wanted.has(`${namespace}/${name}`)) continue;
        await core.deleteNamespacedService({ namespace, name }).catch(ignoreNotFound);
      }
    },
  };
}

function ownerOf(object: KelosObject): k8s.V1OwnerReference {
  return { apiVersion: `${KELOS_GROUP}/${WATCHED_VERSION}`, kind: 'WorkerPool', name: object.metadata!.name!, uid: object.metadata!.uid!, controller: true, blockOwnerDeletion: false };
}

/**
 * The members' settings from the controller's environment: the image (KELOS_POOL_IMAGE) and the plain Temporal
 * connection values it uses itself. Secret ones (an API key, the encryption key) cannot be copied into another
 * namespace's Pods: they come from the pool namespace's `kelos-pool-member` Secret.
 */
export function memberSettingsFromEnv(env: NodeJS.ProcessEnv, defaultImage: string): MemberPodSettings {
  const plain = ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'KELOS_TASK_QUEUE', 'TEMPORAL_TLS', 'TEMPORAL_TLS_SERVER_NAME'];
  return { image: env.KELOS_POOL_IMAGE || defaultImage, env: plain.filter((name) => env[name]).map((name) => ({ name, value: env[name]! })) };
}

function ignoreNotFound(err: unknown): void {
  if ((err as { code?: number }).code !== 404) throw err;
}
