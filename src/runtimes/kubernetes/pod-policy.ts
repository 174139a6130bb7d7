/**
 * What a Kubernetes worker lets a Task ask for. A Task's input comes from whoever can start a workflow on the
 * Temporal server, past the manifest schema, so the worker checks it again before it creates anything: the
 * namespace must be a DNS label it serves, and `podOverrides` may loosen the Pod's secure defaults (task-pod.ts)
 * only where this policy says so. Every refusal names the field. Pure: the activity, the Pod builder and the
 * tests share it.
 */
import type { TaskRun } from '../../task/task-run';

export interface PodPolicyAllow {
  /** `podOverrides.serviceAccountName` values a Task may use (their token is then mounted). */
  serviceAccountNames: string[];
  /** `securityContext.privileged: true`. */
  privileged: boolean;
  /** `securityContext.allowPrivilegeEscalation: true`. */
  privilegeEscalation: boolean;
  /** `ports[].hostPort` on extra containers (host namespaces are never podOverrides fields). */
  hostPorts: boolean;
  /** hostPath volumes whose path is one of these or below one (`/` allows every path). */
  hostPaths: string[];
  /** Capabilities `securityContext.capabilities.add` may name (without the CAP_ prefix). */
  capabilities: string[];
  /** `runAsUser: 0`, `runAsGroup: 0` or `runAsNonRoot: false`. */
  runAsRoot: boolean;
  /** `seccompProfile`/`appArmorProfile` `Unconfined`, `procMount: Unmasked`. */
  unconfined: boolean;
}

export interface PodPolicy {
  /** Namespaces the worker runs Tasks in; `'*'` is every namespace. */
  namespaces: string[] | '*';
  allow: PodPolicyAllow;
}

/** The namespace a worker serves unless told otherwise: where `kelos run` and manifests put Tasks by default. */
export const DEFAULT_NAMESPACES = ['default'];

export const STRICT_ALLOW: PodPolicyAllow = {
  serviceAccountNames: [],
  privileged: false,
  privilegeEscalation: false,
  hostPorts: false,
  hostPaths: [],
  capabilities: [],
  runAsRoot: false,
  unconfined: false,
};

export const DEFAULT_POLICY: PodPolicy = { namespaces: DEFAULT_NAMESPACES, allow: STRICT_ALLOW };

export class PodPolicyError extends Error {
  override name = 'PodPolicyError';
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** The fields `podOverrides` has (src/model/types.ts); anything else came from a client that skipped the schema. */
const OVERRIDE_FIELDS = new Set(['labels', 'resources', 'nodeSelector', 'tolerations', 'affinity', 'imagePullSecrets', 'serviceAccountName', 'volumes', 'volumeMounts', 'podSecurityContext', 'containerSecurityContext', 'extraContainers', 'extraInitContainers']);

export function isDnsLabel(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && DNS_LABEL.test(value);
}

/** The namespace part: a DNS label the worker serves. */
export function checkNamespace(namespace: unknown, policy: PodPolicy): void {
  if (!isDnsLabel(namespace)) throw new PodPolicyError(`namespace ${JSON.stringify(namespace)} is not a valid namespace name (a DNS label: lowercase letters, digits and '-', at most 63 characters)`);
  if (policy.namespaces !== '*' && !policy.namespaces.includes(namespace)) {
    throw new PodPolicyError(`namespace "${namespace}" is not served by this worker (it serves ${policy.namespaces.map((n) => `"${n}"`).join(', ')}; see --namespaces / KELOS_NAMESPACES)`);
  }
}

/** Everything a worker checks before it creates an object for the Task. */
export function checkTaskPolicy(run: Pick<TaskRun, 'namespace' | 'podOverrides'>, policy: PodPolicy): void {
  checkNamespace(run.namespace, policy);
  checkPodOverrides(run.podOverrides, policy.allow);
}

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export function checkPodOverrides(overrides: unknown, allow: PodPolicyAllow): void {
  if (overrides === undefined || overrides === null) return;
  if (!isObj(overrides)) throw new PodPolicyError('podOverrides: must be an object');
  const refuse = (field: string) => {
    throw new PodPolicyError(`podOverrides.${field} is not allowed by this worker's policy`);
  };
  for (const key of Object.keys(overrides)) {
    if (!OVERRIDE_FIELDS.has(key)) refuse(key);
  }
  const account = overrides.serviceAccountName;
  if (account !== undefined && !(typeof account === 'string' && allow.serviceAccountNames.includes(account))) refuse('serviceAccountName');
  for (const [field, value] of [['volumes', overrides.volumes], ['volumeMounts', overrides.volumeMounts], ['extraContainers', overrides.extraContainers], ['extraInitContainers', overrides.extraInitContainers], ['tolerations', overrides.tolerations], ['imagePullSecrets', overrides.imagePullSecrets]] as const) {
    if (value !== undefined && !Array.isArray(value)) throw new PodPolicyError(`podOverrides.${field}: must be a list`);
  }

  for (const [i, volume] of list(overrides.volumes).entries()) {
    if (!isObj(volume)) continue;
    if (volume.hostPath !== undefined) {
      const hostPath = isObj(volume.hostPath) ? volume.hostPath.path : undefined;
      if (typeof hostPath !== 'string' || !hostPathAllowed(hostPath, allow.hostPaths)) refuse(`volumes[${i}].hostPath`);
    }
    for (const [j, source] of list(isObj(volume.projected) ? volume.projected.sources : undefined).entries()) {
      // A projected token of the Pod's account: only for an account the policy lets Tasks use.
      if (isObj(source) && source.serviceAccountToken !== undefined && account === undefined) refuse(`volumes[${i}].projected.sources[${j}].serviceAccountToken`);
    }
  }
  checkPodSecurityContext(overrides.podSecurityContext, 'podSecurityContext', allow, refuse);
  checkContainerSecurityContext(overrides.containerSecurityContext, 'containerSecurityContext', allow, refuse);
  for (const field of ['extraContainers', 'extraInitContainers'] as const) {
    for (const [i, container] of list(overrides[field]).entries()) {
      if (!isObj(container)) continue;
      checkContainerSecurityContext(container.securityContext, `${field}[${i}].securityContext`, allow, refuse);
      for (const [j, port] of list(container.ports).entries()) {
        if (isObj(port) && port.hostPort !== undefined && port.hostPort !== 0 && !allow.hostPorts) refuse(`${field}[${i}].ports[${j}].hostPort`);
      }
    }
  }
}

function hostPathAllowed(hostPath: string, prefixes: string[]): boolean {
  if (!hostPath.startsWith('/') || hostPath.split('/').includes('..')) return false;
  const clean = hostPath.replace(/\/+$/, '') || '/';
  return prefixes.some((prefix) => {
    const base = prefix.replace(/\/+$/, '');
    return base === '' || clean === base || clean.startsWith(`${base}/`);
  });
}

type Refuse = (field: string) => never;

/** What pod and container security contexts share. */
function checkCommonContext(context: Obj, at: string, allow: PodPolicyAllow, refuse: Refuse): void {
  if (!allow.runAsRoot) {
    if (context.runAsUser === 0) refuse(`${at}.runAsUser`);
    if (context.runAsGroup === 0) refuse(`${at}.runAsGroup`);
    if (context.runAsNonRoot === false) refuse(`${at}.runAsNonRoot`);
  }
  if (!allow.unconfined) {
    for (const field of ['seccompProfile', 'appArmorProfile']) {
      const profile = context[field];
      if (isObj(profile) && profile.type === 'Unconfined') refuse(`${at}.${field}`);
    }
  }
  const windows = context.windowsOptions;
  if (isObj(windows) && windows.hostProcess === true) refuse(`${at}.windowsOptions.hostProcess`);
}

function checkPodSecurityContext(context: unknown, at: string, allow: PodPolicyAllow, refuse: Refuse): void {
  if (context === undefined) return;
  if (!isObj(context)) throw new PodPolicyError(`podOverrides.${at}: must be an object`);
  checkCommonContext(context, at, allow, refuse);
  if (context.sysctls !== undefined && list(context.sysctls).length > 0 && !allow.unconfined) refuse(`${at}.sysctls`);
}

function checkContainerSecurityContext(context: unknown, at: string, allow: PodPolicyAllow, refuse: Refuse): void {
  if (context === undefined) return;
  if (!isObj(context)) throw new PodPolicyError(`podOverrides.${at}: must be an object`);
  checkCommonContext(context, at, allow, refuse);
  if (context.privileged === true && !allow.privileged) refuse(`${at}.privileged`);
  if (context.allowPrivilegeEscalation === true && !allow.privilegeEscalation) refuse(`${at}.allowPrivilegeEscalation`);
  if (context.procMount !== undefined && context.procMount !== 'Default' && !allow.unconfined) refuse(`${at}.procMount`);
  const capabilities = context.capabilities;
  if (capabilities === undefined) return;
  if (!isObj(capabilities)) throw new PodPolicyError(`podOverrides.${at}.capabilities: must be an object`);
  const allowed = new Set(allow.capabilities.map(capabilityName));
  for (const [i, cap] of list(capabilities.add).entries()) {
    if (typeof cap !== 'string' || !allowed.has(capabilityName(cap))) refuse(`${at}.capabilities.add[${i}]`);
  }
}

/** `CAP_NET_ADMIN` and `net_admin` name the same capability as `NET_ADMIN`. */
export function capabilityName(cap: string): string {
  return cap.toUpperCase().replace(/^CAP_/, '');
}

/**
 * A policy file (`kelos worker --pod-policy FILE`, parsed YAML or JSON): `allow:` with the keys of
 * {@link PodPolicyAllow}; absent keys stay strict. Unknown keys are errors: a misspelt key is never silently ignored.
 */
export function parsePodPolicyAllow(document: unknown, source: string): PodPolicyAllow {
  if (document === null || document === undefined) return STRICT_ALLOW;
  if (!isObj(document)) throw new PodPolicyError(`${source}: must be a mapping with an "allow" key`);
  for (const key of Object.keys(document)) if (key !== 'allow') throw new PodPolicyError(`${source}: unknown key "${key}" (expected "allow")`);
  const allowDoc = document.allow ?? {};
  if (!isObj(allowDoc)) throw new PodPolicyError(`${source}: allow must be a mapping`);
  const allow: PodPolicyAllow = { ...STRICT_ALLOW };
  for (const [key, value] of Object.entries(allowDoc)) {
    if (!(key in STRICT_ALLOW)) throw new PodPolicyError(`${source}: allow.${key} is not a policy key (known: ${Object.keys(STRICT_ALLOW).join(', ')})`);
    const strict = STRICT_ALLOW[key as keyof PodPolicyAllow];
    if (Array.isArray(strict)) {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) throw new PodPolicyError(`${source}: allow.${key} must be a list of strings`);
      if (key === 'hostPaths' && value.some((p: string) => !p.startsWith('/'))) throw new PodPolicyError(`${source}: allow.hostPaths entries must be absolute paths`);
      (allow as unknown as Record<string, unknown>)[key] = [...value];
    } else {
      if (typeof value !== 'boolean') throw new PodPolicyError(`${source}: allow.${key} must be true or false`);
      (allow as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return allow;
}

/** `--namespaces a,b` / KELOS_NAMESPACES: names checked as DNS labels; `*` alone is every namespace. */
export function parseNamespaces(text: string | undefined, source: string): string[] | '*' {
  if (text === undefined || text.trim() === '') return DEFAULT_NAMESPACES;
  const names = text.split(',').map((n) => n.trim()).filter(Boolean);
  if (names.length === 1 && names[0] === '*') return '*';
  for (const name of names) {
    if (!isDnsLabel(name)) throw new PodPolicyError(`${source}: "${name}" is not a namespace name (a DNS label), and "*" must stand alone`);
  }
  return names;
}
