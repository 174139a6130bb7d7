/**
 * jira spawners over the local Jira: one Task per issue, the description in {{.Body}}, maxConcurrency respected,
 * Cloud (Basic) and Data Center (Bearer, classic search) alike; a wrong token shows in the spawner's status.
 */
import * as path from 'node:path';
import { spawnerWorkflowId, type SpawnerStatus } from '../../src/spawner/spawner-status';
import { spawnerStatusQuery } from '../../src/spawner/messages';
import { startFakeJira, type FakeJira } from '../harness/jira-api/fake-jira';
import { KelosTestStack, eventually, startKelosTestStack } from '../harness/kelos-stack';

const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh');
const adf = (text: string) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

let stack: KelosTestStack;
let cloud: FakeJira;
let datacenter: FakeJira;
let seq = 0;

beforeAll(async () => {
  cloud = await startFakeJira({ mode: 'cloud', user: 'bot@acme.dev', token: 'cloud-api-token', pageSize: 2 });
  datacenter = await startFakeJira({ mode: 'datacenter', token: 'dc-personal-access-token' });
  for (let i = 1; i <= 5; i += 1) cloud.addIssue({ key: `ENG-${i}`, summary: `Cloud issue ${i}`, description: adf(`Steps for ${i}`), labels: ['agent'], issueType: 'Bug' });
  datacenter.addIssue({ key: 'OPS-9', summary: 'Rotate certificates', description: 'Rotate the *edge* certificates before Friday.' });
  stack = await startKelosTestStack('jira');
  stack.secrets.put('default', 'jira-cloud', { JIRA_USER: 'bot@acme.dev', JIRA_TOKEN: 'cloud-api-token' });
  stack.secrets.put('default', 'jira-dc', { JIRA_TOKEN: 'dc-personal-access-token' });
  stack.secrets.put('default', 'jira-wrong', { JIRA_USER: 'bot@acme.dev', JIRA_TOKEN: 'expired' });
  await stack.startWorker();
});
afterAll(async () => {
  await stack?.teardown();
  await cloud?.close();
  await datacenter?.close();
});

function spawner(name: string, baseUrl: string, project: string, secret: string, maxConcurrency?: number) {
  seq += 1;
  return {
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'TaskSpawner',
    metadata: { name, namespace: 'default' },
    spec: {
      when: { jira: { baseUrl, project, jql: 'labels = agent ORDER BY created', secretRef: { name: secret }, pollInterval: '1s' } },
      ...(maxConcurrency ? { maxConcurrency } : {}),
      taskTemplate: {
        worker: { type: 'claude-code', credentials: { type: 'none' }, image: IMAGE, podOverrides: { env: [{ name: 'AGENT_SLEEP', value: '2' }] } },
        promptTemplate: '{{.ID}} ({{.Kind}}, #{{.Number}}): {{.Title}}\n{{.Body}}\n{{.URL}}',
      },
    },
  };
}

async function start(manifest: Record<string, any>) {
  expect(await stack.api.applySpawner(manifest as never)).toBe('created');
  return stack.env.client.workflow.getHandle(spawnerWorkflowId('default', manifest.metadata.name));
}

async function statusWhen(handle: Awaited<ReturnType<typeof start>>, predicate: (s: SpawnerStatus) => boolean, what: string, timeoutMs = 60_000) {
  return eventually(async () => {
    const status = await handle.query(spawnerStatusQuery);
    return predicate(status) ? status : undefined;
  }, timeoutMs, what);
}

it('Cloud: one Task per issue with the description as Body, never more than maxConcurrency at once', async () => {
  const name = `jira-cloud-${seq}`;
  const handle = await start(spawner(name, cloud.url, 'ENG', 'jira-cloud', 2));
  let peak = 0;
  const done = await statusWhen(
    handle,
    (s) => {
      peak = Math.max(peak, s.activeTasks);
      return s.totalTasksCreated === 5 && s.activeTasks === 0;
    },
    'five Tasks',
    90_000,
  );
  expect(done.totalDiscovered).toBe(5);
  expect(peak).toBeLessThanOrEqual(2);
  const task = await stack.api.getTask('default', `${name}-eng-3`);
  expect(task!.spec.prompt).toBe(`ENG-3 (Bug, #3): Cloud issue 3\nSteps for 3\n${cloud.url}/browse/ENG-3`);
  expect(cloud.requests.some((r) => r.auth === 'basic' && r.query.jql === 'project = ENG AND (labels = agent) ORDER BY created')).toBe(true);
});

it('Data Center: Bearer PAT through the classic search', async () => {
  const name = `jira-dc-${seq}`;
  const handle = await start(spawner(name, datacenter.url, 'OPS', 'jira-dc'));
  await statusWhen(handle, (s) => s.totalTasksCreated === 1, 'the OPS-9 Task');
  const task = await stack.api.getTask('default', `${name}-ops-9`);
  expect(task!.spec.prompt).toContain('Rotate the *edge* certificates before Friday.');
  expect(datacenter.requests.some((r) => r.path === '/rest/api/2/search' && r.auth === 'bearer' && r.status === 200)).toBe(true);
});

it('a rejected token shows in the status and the spawner keeps running', async () => {
  const name = `jira-wrong-${seq}`;
  const handle = await start(spawner(name, cloud.url, 'ENG', 'jira-wrong'));
  const failing = await statusWhen(handle, (s) => s.conditions.some((c) => c.type === 'DiscoveryError' && c.status === 'True'), 'a DiscoveryError');
  expect(failing.message).toContain('Jira refused Basic auth as bot@acme.dev');
  expect(failing.message).not.toContain('expired');
  expect(failing.phase).toBe('Running');
});
