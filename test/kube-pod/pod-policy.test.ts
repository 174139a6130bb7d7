/**
 * The worker's policy for Tasks on the Kubernetes runtime (src/runtimes/kubernetes/pod-policy.ts): namespaces it
 * serves, and every podOverrides field that would loosen the Pod refused with its path unless the policy allows it; the
 * policy file and --namespaces parsed strictly.
 */
import YAML from 'yaml';
import { checkPodOverrides, checkTaskPolicy, DEFAULT_POLICY, parseNamespaces, parsePodPolicyAllow, PodPolicyError, STRICT_ALLOW, type PodPolicyAllow } from '../../src/runtimes/kubernetes/pod-policy';

const refusal = (overrides: unknown, allow: PodPolicyAllow = STRICT_ALLOW) => {
  try {
    checkPodOverrides(overrides, allow);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(PodPolicyError);
    return (err as Error).message;
  }
};

describe('namespaces', () => {
  test.each([
    ['default', undefined],
    ['team-a', 'namespace "team-a" is not served by this worker (it serves "default"; see --namespaces / KELOS_NAMESPACES)'],
    ['../../etc', 'namespace "../../etc" is not a valid namespace name'],
    ['Default', 'namespace "Default" is not a valid namespace name'],
    ['a'.repeat(64), 'is not a valid namespace name'],
    [7, 'namespace 7 is not a valid namespace name'],
  ])('%j under the default policy', (namespace, message) => {
    const check = () => checkTaskPolicy({ namespace: namespace as string }, DEFAULT_POLICY);
    if (message === undefined) expect(check).not.toThrow();
    else expect(check).toThrow(message);
  });

  it('* serves every valid namespace, and still refuses an invalid name', () => {
    expect(() => checkTaskPolicy({ namespace: 'kube-system' }, { namespaces: '*', allow: STRICT_ALLOW })).not.toThrow();
    expect(() => checkTaskPolicy({ namespace: 'a/b' }, { namespaces: '*', allow: STRICT_ALLOW })).toThrow('not a valid namespace name');
  });

  it('--namespaces / KELOS_NAMESPACES', () => {
    expect(parseNamespaces(undefined, 'x')).toEqual(['default']);
    expect(parseNamespaces(' team-a, team-b ', 'x')).toEqual(['team-a', 'team-b']);
    expect(parseNamespaces('*', 'x')).toBe('*');
    expect(() => parseNamespaces('team-a,*', '--namespaces')).toThrow('--namespaces: "*" is not a namespace name (a DNS label), and "*" must stand alone');
    expect(() => parseNamespaces('Team_A', '--namespaces')).toThrow('"Team_A" is not a namespace name');
  });
});

describe('podOverrides refused with the field named', () => {
  test.each([
    [{ serviceAccountName: 'cluster-admin-sa' }, 'serviceAccountName'],
    [{ containerSecurityContext: { privileged: true } }, 'containerSecurityContext.privileged'],
    [{ containerSecurityContext: { allowPrivilegeEscalation: true } }, 'containerSecurityContext.allowPrivilegeEscalation'],
    [{ containerSecurityContext: { capabilities: { add: ['NET_ADMIN'] } } }, 'containerSecurityContext.capabilities.add[0]'],
    [{ containerSecurityContext: { runAsUser: 0 } }, 'containerSecurityContext.runAsUser'],
    [{ containerSecurityContext: { procMount: 'Unmasked' } }, 'containerSecurityContext.procMount'],
    [{ podSecurityContext: { runAsNonRoot: false } }, 'podSecurityContext.runAsNonRoot'],
    [{ podSecurityContext: { runAsUser: 0 } }, 'podSecurityContext.runAsUser'],
    [{ podSecurityContext: { runAsGroup: 0 } }, 'podSecurityContext.runAsGroup'],
    [{ podSecurityContext: { seccompProfile: { type: 'Unconfined' } } }, 'podSecurityContext.seccompProfile'],
    [{ podSecurityContext: { sysctls: [{ name: 'kernel.shm_rmid_forced', value: '0' }] } }, 'podSecurityContext.sysctls'],
    [{ volumes: [{ name: 'cache', emptyDir: {} }, { name: 'root', hostPath: { path: '/' } }] }, 'volumes[1].hostPath'],
    [{ volumes: [{ name: 'token', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }] }, 'volumes[0].projected.sources[0].serviceAccountToken'],
    [{ extraContainers: [{ name: 'ok', image: 'x' }, { name: 'root', image: 'x', securityContext: { privileged: true } }] }, 'extraContainers[1].securityContext.privileged'],
    [{ extraInitContainers: [{ name: 'caps', image: 'x', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }] }, 'extraInitContainers[0].securityContext.capabilities.add[0]'],
    [{ extraContainers: [{ name: 'web', image: 'x', ports: [{ containerPort: 80, hostPort: 80 }] }] }, 'extraContainers[0].ports[0].hostPort'],
    [{ hostNetwork: true }, 'hostNetwork'],
    [{ hostPID: true }, 'hostPID'],
    [{ hostIPC: true }, 'hostIPC'],
  ])('%j', (overrides, field) => {
    expect(refusal(overrides)).toBe(`podOverrides.${field} is not allowed by this worker's policy`);
  });

  it('the ordinary fields pass', () => {
    expect(refusal({ resources: { limits: { memory: '2Gi' } }, labels: { a: 'b' }, volumes: [{ name: 'c', emptyDir: {} }], podSecurityContext: { runAsUser: 1000, fsGroup: 2000 }, containerSecurityContext: { readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } } })).toBeUndefined();
    expect(refusal(undefined)).toBeUndefined();
  });

  it('a wrongly shaped field is an error, not a pass', () => {
    expect(refusal({ volumes: { name: 'x' } })).toBe('podOverrides.volumes: must be a list');
    expect(refusal({ podSecurityContext: 'root' })).toBe('podOverrides.podSecurityContext: must be an object');
  });
});

describe('what a policy allows', () => {
  const allow: PodPolicyAllow = { ...STRICT_ALLOW, serviceAccountNames: ['agent-sa'], privileged: true, privilegeEscalation: true, hostPorts: true, hostPaths: ['/var/cache/agents'], capabilities: ['CAP_NET_ADMIN'], runAsRoot: true, unconfined: true };
  test.each([
    [{ serviceAccountName: 'agent-sa' }, undefined],
    [{ serviceAccountName: 'other-sa' }, 'podOverrides.serviceAccountName is not allowed'],
    [{ volumes: [{ name: 'c', hostPath: { path: '/var/cache/agents/npm' } }] }, undefined],
    [{ volumes: [{ name: 'c', hostPath: { path: '/var/cache/agents' } }] }, undefined],
    [{ volumes: [{ name: 'c', hostPath: { path: '/var/cache/agents-evil' } }] }, 'podOverrides.volumes[0].hostPath'],
    [{ volumes: [{ name: 'c', hostPath: { path: '/var/cache/agents/../../../etc' } }] }, 'podOverrides.volumes[0].hostPath'],
    [{ containerSecurityContext: { privileged: true, allowPrivilegeEscalation: true, capabilities: { add: ['net_admin'] }, runAsUser: 0 } }, undefined],
    [{ containerSecurityContext: { capabilities: { add: ['NET_ADMIN', 'SYS_PTRACE'] } } }, 'podOverrides.containerSecurityContext.capabilities.add[1]'],
    [{ extraContainers: [{ name: 'web', image: 'x', ports: [{ containerPort: 80, hostPort: 80 }] }] }, undefined],
    [{ podSecurityContext: { seccompProfile: { type: 'Unconfined' } } }, undefined],
    [{ volumes: [{ name: 't', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }], serviceAccountName: 'agent-sa' }, undefined],
  ])('%j', (overrides, message) => {
    const got = refusal(overrides, allow);
    if (message === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(message);
  });

  it('"/" in hostPaths allows every host path', () => {
    expect(refusal({ volumes: [{ name: 'r', hostPath: { path: '/' } }] }, { ...STRICT_ALLOW, hostPaths: ['/'] })).toBeUndefined();
  });
});

describe('the policy file', () => {
  it('parses allow keys; absent ones stay strict', () => {
    const allow = parsePodPolicyAllow(YAML.parse('allow:\n  serviceAccountNames: [agent-sa]\n  hostPaths: [/var/cache]\n  privileged: true\n'), 'policy.yaml');
    expect(allow).toEqual({ ...STRICT_ALLOW, serviceAccountNames: ['agent-sa'], hostPaths: ['/var/cache'], privileged: true });
    expect(parsePodPolicyAllow(null, 'empty.yaml')).toEqual(STRICT_ALLOW);
  });

  test.each([
    ['allow:\n  privilidged: true\n', 'policy.yaml: allow.privilidged is not a policy key'],
    ['allow:\n  privileged: "yes"\n', 'policy.yaml: allow.privileged must be true or false'],
    ['allow:\n  capabilities: NET_ADMIN\n', 'policy.yaml: allow.capabilities must be a list of strings'],
    ['allow:\n  hostPaths: [var/cache]\n', 'policy.yaml: allow.hostPaths entries must be absolute paths'],
    ['namespaces: [a]\n', 'policy.yaml: unknown key "namespaces"'],
    ['- allow\n', 'policy.yaml: must be a mapping'],
  ])('%j is an error', (text, message) => {
    expect(() => parsePodPolicyAllow(YAML.parse(text), 'policy.yaml')).toThrow(message);
  });
});
