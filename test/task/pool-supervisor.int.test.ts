/**
 * `kelos dev` runs WorkerPool members itself: `replicas` members per stored pool, started when a pool is applied,
 * scaled with it and stopped when it is deleted; a pooled Task runs on one of them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALL_NAMESPACES } from '../../src/clients/kelos-api';
import { parseManifests } from '../../src/model';
import { applyResource, type AppliedResource } from '../../src/clients/apply-resource';
import { taskWorkflowId } from '../../src/task/task-run';
import type { TaskStatus } from '../../src/task/task-status';
import { createPoolMember } from '../../src/workers/pool-member';
import { superviseLocalPools } from '../../src/workers/pool-supervisor';
import { makeUpstream } from '../local/git-fixture';
import { KelosTestStack, eventually, startKelosTestStack, uniqueName } from '../harness/kelos-stack';

const AGENT = path.resolve(__dirname, '../fixtures/images/pool-agent.sh');

let stack: KelosTestStack;
beforeAll(async () => {
  stack = await startKelosTestStack('pool-dev');
  await stack.startWorker();
});
afterAll(async () => stack?.teardown());

async function apply(yaml: string): Promise<void> {
  const parsed = parseManifests(yaml, 'test.yaml');
  if (parsed.errors.length || parsed.unsupported.length) throw new Error([...parsed.errors, ...parsed.unsupported].map(String).join('\n'));
  for (const resource of parsed.resources) await applyResource(stack.api, resource as AppliedResource);
}

function pool(name: string, replicas: number, events: string): string {
  return `apiVersion: kelos.dev/v1alpha2
kind: WorkerPool
metadata: {name: ${name}}
spec:
  worker:
    type: codex
    credentials: {type: none}
    image: ${AGENT}
    workspaceRef: {name: ${name}-repo}
    podOverrides: {env: [{name: AGENT_EVENTS_FILE, value: ${events}}]}
  replicas: ${replicas}
  volumeClaimTemplate: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`;
}

it('starts replicas members per pool, scales them with the pool, stops them when it is deleted; a pooled Task runs on one', async () => {
  const name = uniqueName('devpool');
  const events = path.join(stack.shared, `${name}.events`);
  await apply(`apiVersion: kelos.dev/v1alpha2\nkind: Workspace\nmetadata: {name: ${name}-repo}\nspec: {repo: "${makeUpstream(fs.mkdtempSync(path.join(stack.home, 'up-'))).url}"}\n`);
  await apply(pool(name, 2, events));
  const supervisor = superviseLocalPools({
    listPools: async () => (await stack.api.listStoredResources('WorkerPool', ALL_NAMESPACES)).filter((p) => p.metadata.name === name),
    createMembers: (p, members) =>
      createPoolMember({ connection: stack.env.nativeConnection, client: stack.env.client, taskQueue: stack.taskQueue, home: stack.home, poolNamespace: p.metadata.namespace, pool: p.metadata.name, members }),
    intervalMs: 60_000,
  });
  try {
    await supervisor.settled();
    expect(supervisor.members()).toEqual([`default/${name}/dev-0`, `default/${name}/dev-1`]);

    const task = uniqueName('on-dev');
    await apply(`apiVersion: kelos.dev/v1alpha2\nkind: Task\nmetadata: {name: ${task}}\nspec: {workerPoolRef: {name: ${name}}, prompt: hello}\n`);
    const done: TaskStatus = await stack.env.client.workflow.getHandle(taskWorkflowId('default', task)).result();
    expect(done.phase).toBe('Succeeded');
    expect(['dev-0', 'dev-1']).toContain(done.podName);

    // Visibility shows a change a moment later: the next looks see it.
    const membersBecome = (expected: string[], what: string) =>
      eventually(async () => {
        await supervisor.settled();
        return JSON.stringify(supervisor.members()) === JSON.stringify(expected) ? true : undefined;
      }, 30_000, what);
    await apply(pool(name, 1, events));
    await membersBecome([`default/${name}/dev-0`], 'one member left');

    await stack.api.deleteStoredResource('WorkerPool', 'default', name);
    await membersBecome([], 'no member left');
  } finally {
    await supervisor.stop();
  }
}, 120_000);
