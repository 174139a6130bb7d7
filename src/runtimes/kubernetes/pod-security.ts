/**
 * The secure defaults of a Task's Pod: non-root as UID/GID 61100 (the Kelos images' user), the runtime's seccomp
 * profile, no privilege escalation, every capability dropped, no service-account token. They meet the Pod
 * Security Standard "restricted". `podOverrides` fields win over them, and pod-policy.ts has already refused
 * every loosening the worker's policy does not allow; what remains here is keeping the combination valid (the API
 * server rejects `privileged` with `allowPrivilegeEscalation: false`, a kubelet refuses UID 0 under `runAsNonRoot`).
 */
import type { V1Capabilities, V1Container, V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';
import { capabilityName } from './pod-policy';
import { KELOS_UID } from './workspace-init-containers';

type Context = Record<string, unknown>;

/** The Pod's securityContext: the defaults under the user's `podSecurityContext`. */
export function securePodContext(user: Context | undefined): V1PodSecurityContext {
  const context: Context = {
    runAsNonRoot: true,
    runAsUser: KELOS_UID,
    runAsGroup: KELOS_UID,
    fsGroup: KELOS_UID,
    seccompProfile: { type: 'RuntimeDefault' },
    ...(user ?? {}),
  };
  // Root the policy allowed: the default runAsNonRoot would make the kubelet refuse to start it.
  if (user?.runAsUser === 0 && user.runAsNonRoot === undefined) delete context.runAsNonRoot;
  return context as V1PodSecurityContext;
}

/** A container's securityContext: the defaults under its own (built-in, `containerSecurityContext`, or an extra container's). */
export function secureContainerContext(own: Context | undefined): V1SecurityContext {
  const user = own ?? {};
  const userCaps = (user.capabilities ?? {}) as V1Capabilities;
  const add = userCaps.add ?? [];
  const capabilities: V1Capabilities = { drop: ['ALL', ...(userCaps.drop ?? []).filter((c) => capabilityName(c) !== 'ALL')], ...(add.length ? { add } : {}) };
  const context: Context = { allowPrivilegeEscalation: false, ...user, capabilities };
  const needsEscalation = user.privileged === true || add.some((c) => capabilityName(c) === 'SYS_ADMIN');
  if (needsEscalation && user.allowPrivilegeEscalation === undefined) delete context.allowPrivilegeEscalation;
  if (user.runAsUser === 0 && user.runAsNonRoot === undefined) context.runAsNonRoot = false;
  return context as V1SecurityContext;
}

export function withSecureContext(container: V1Container): V1Container {
  return { ...container, securityContext: secureContainerContext(container.securityContext as Context | undefined) };
}
