/**
 * What a WorkerPool's members are on Kubernetes: a StatefulSet whose Pods each run one long-lived member
 * (`kelos worker --pool NAME --member $(POD_NAME)`, the local runtime in its own container) with a volume of its own
 * from the pool's `volumeClaimTemplate` as its KELOS_HOME, so the member's checkout and agent home outlive a restart;
 * and the headless Service the StatefulSet's Pods are named under. Pure: the reconciler (pool-reconciler.ts) applies
 * what these build.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { packageRoot } from '../../host/package-root';

/** The kelos image with the agent CLIs (Dockerfile target `agents`) of this version: the chart's image, tag `-agents`. */
export function defaultMemberImage(): string {
  const { version } = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return `ghcr.io/kelos-dev/kelos-temporal:${version}-agents`;
}
/** Where each member's volume is mounted. */
export const MEMBER_VOLUME = '/var/lib/kelos/member';
/**
 * The member's KELOS_HOME (pools/<ns>/<pool>/<member>/ lives under it): a directory the member makes on its volume,
 * since kelos keeps its home private (0700, its own) and a volume's root belongs to root with the fsGroup.
 */
export const MEMBER_HOME = `${MEMBER_VOLUME}/home`;
/** Where the pool's Kubernetes Secrets are mounted, `<ns>/<name>/<key>`, for the member's secret store (KELOS_SECRET_MOUNTS). */
export const MEMBER_SECRETS = '/var/lib/kelos/secrets';
export const POOL_LABEL = 'kelos.dev/workerpool';
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'kelos-temporal' };
/** The Secret of the pool's namespace whose keys become the members' environment (TEMPORAL_API_KEY, KELOS_ENCRYPTION_KEY, ...). */
export const MEMBER_ENV_SECRET = 'kelos-pool-member';
/** The Kelos images' user, as for Task Pods. */
const KELOS_UID = 61100;

/** A WorkerPool as Temporal's store keeps it (Kelos's spec shape): what the members' workload needs of it. */
export interface StoredPool {
  metadata: { name: string; namespace: string };
  spec: { replicas?: number; volumeClaimTemplate?: Record<string, unknown> };
}

/** The Kubernetes Secrets of the pool's namespace a member's Tasks read (the credentials', the Workspace's). */
export type MemberSecrets = string[];

export interface MemberPodSettings {
  image: string;
  /** The Temporal connection as the controller has it (address, namespace, task queue, TLS flags): plain values only. */
  env: k8s.V1EnvVar[];
}

/** Kelos's name for the pool's StatefulSet and Service (`wp-<pool>`), kept within a Pod hostname's 63 characters. */
export function memberSetName(pool: string): string {
  return `wp-${pool}`.slice(0, 52).replace(/[-.]+$/, '');
}

export function memberLabels(pool: string): Record<string, string> {
  return { ...MANAGED_BY, [POOL_LABEL]: pool };
}

export function memberService(pool: StoredPool, owner?: k8s.V1OwnerReference): k8s.V1Service {
  const { name, namespace } = pool.metadata;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: memberSetName(name), namespace, labels: memberLabels(name), ...(owner ? { ownerReferences: [owner] } : {}) },
    // Headless, no ports: it only names the members (wp-<pool>-0.wp-<pool>); nothing connects to them.
    spec: { clusterIP: 'None', selector: memberLabels(name) },
  };
}

export function memberStatefulSet(pool: StoredPool, settings: MemberPodSettings, secrets: MemberSecrets, owner?: k8s.V1OwnerReference): k8s.V1StatefulSet {
  const { name, namespace } = pool.metadata;
  const setName = memberSetName(name);
  const labels = memberLabels(name);
  const secretVolumes = [...new Set(secrets)].sort().map((secretName, i) => ({ name: `secret-${i}`, secretName }));
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: setName, namespace, labels, ...(owner ? { ownerReferences: [owner] } : {}) },
    spec: {
      replicas: wantedReplicas(pool),
      serviceName: setName,
      selector: { matchLabels: labels },
      // Members are independent: start and replace them all at once, not one after another.
      podManagementPolicy: 'Parallel',
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
      template: {
        metadata: { labels },
        spec: {
          // A member talks to Temporal only; it needs no Kubernetes API token.
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: KELOS_UID, runAsGroup: KELOS_UID, fsGroup: KELOS_UID, seccompProfile: { type: 'RuntimeDefault' } },
          // A stopping member finishes nothing in time: its Task fails with the reason either way (README, WorkerPools).
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: 'member',
              image: settings.image,
              args: ['--namespace', namespace, 'worker', '--pool', name, '--member', '$(POD_NAME)'],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                ...settings.env.filter((e) => !['KELOS_HOME', 'KELOS_RUNTIME', 'KELOS_AGENT_SANDBOX', 'KELOS_SECRET_MOUNTS'].includes(e.name)),
                { name: 'KELOS_HOME', value: MEMBER_HOME },
                { name: 'KELOS_RUNTIME', value: 'local' },
                // The member's container is the agents' box (the Pod's security context, as for a Task Pod); the local
                // runtime's user-namespace sandbox needs what a restricted Pod may not do.
                { name: 'KELOS_AGENT_SANDBOX', value: 'off' },
                { name: 'KELOS_SECRET_MOUNTS', value: MEMBER_SECRETS },
              ],
              envFrom: [{ secretRef: { name: MEMBER_ENV_SECRET, optional: true } }],
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                { name: 'home', mountPath: MEMBER_VOLUME },
                ...secretVolumes.map((v) => ({ name: v.name, mountPath: `${MEMBER_SECRETS}/${namespace}/${v.secretName}`, readOnly: true })),
              ],
            },
          ],
          // Read by the member through its group (fsGroup), as the kubelet keeps them current.
          ...(secretVolumes.length ? { volumes: secretVolumes.map((v) => ({ name: v.name, secret: { secretName: v.secretName, defaultMode: 0o440 } })) } : {}),
        },
      },
      volumeClaimTemplates: [{ metadata: { name: 'home', labels }, spec: (pool.spec.volumeClaimTemplate ?? {}) as k8s.V1PersistentVolumeClaimSpec }],
    },
  };
}

/** Kelos's WorkerPool status from its StatefulSet: Ready when every wanted member is ready, Pending before any Pod, else Scaling. */
export function poolStatus(pool: StoredPool, set: k8s.V1StatefulSet | undefined): Record<string, unknown> {
  const wanted = wantedReplicas(pool);
  const replicas = set?.status?.replicas ?? 0;
  const readyReplicas = set?.status?.readyReplicas ?? 0;
  const names = { statefulSetName: memberSetName(pool.metadata.name), serviceName: memberSetName(pool.metadata.name), replicas, readyReplicas };
  if (readyReplicas === wanted && readyReplicas > 0) return { ...names, phase: 'Ready', message: '' };
  if (replicas === 0 && readyReplicas === 0) return { ...names, phase: 'Pending', message: wanted === 0 ? 'Paused (replicas: 0)' : 'Waiting for pods to start' };
  return { ...names, phase: 'Scaling', message: `${readyReplicas}/${wanted} workers ready` };
}

/** Kelos's default is one member; 0 pauses the pool. */
function wantedReplicas(pool: StoredPool): number {
  return pool.spec.replicas ?? 1;
}
