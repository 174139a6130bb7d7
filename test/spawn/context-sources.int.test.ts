/**
 * Context sources (`taskTemplate.contextSources`, kelos-behaviour §9): fetched per item when its Task starts, read
 * as `{{.Context.<name>}}`. Against a local HTTP server from a generic webhook spawner on the dev server: templated
 * URL, headers and body, headers from a secret, a GitHub App token, JSONPath filters, `Ignore` and `Fail` policies,
 * the https rule and the size limit; and how values print (Kelos's JSONPath output).
 */
import { generateKeyPairSync } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { contextValue, goJsonMarshal } from '../../src/spawner/context-sources';
import { spawnerWorkflowId, type SpawnerStatus } from '../../src/spawner/spawner-status';
import { taskWorkflowId } from '../../src/task/task-run';
import { spawnerStatusQuery, webhookDeliverySignal } from '../../src/spawner/messages';
import { startFakeGitHub, type FakeGitHub } from '../harness/github-api';
import { KelosTestStack, eventually, startKelosTestStack, uniqueName } from '../harness/kelos-stack';
import { genericDelivery } from '../harness/webhook-deliveries';

const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh');
const SECRET = 'Bearer ctx-secret-value-42';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('values as Kelos prints them', () => {
  test.each([
    ['no filter: the body', 'plain text', undefined, 'plain text'],
    ['a string', '{"a":{"b":"hello"}}', '$.a.b', 'hello'],
    ['a number as Go %v', '{"n":1234567}', '$.n', '1.234567e+06'],
    ['a boolean and null', '{"t":true,"z":null}', '$.t', 'true'],
    ['an object as Go JSON (sorted keys, HTML escaped)', '{"o":{"z":1,"a":"<b>&"}}', '$.o', '{"a":"\\u003cb\\u003e\\u0026","z":1}'],
    ['a wildcard as a list', '{"xs":[{"id":1},{"id":2}]}', '$.xs[*].id', '[1,2]'],
  ])('%s', (_name, body, expression, expected) => {
    expect(contextValue(body, expression ? { type: 'JSONPath', expression } : undefined)).toBe(expected);
  });

  test('a missing key or a body that is not JSON is an error', () => {
    expect(() => contextValue('{"a":1}', { type: 'JSONPath', expression: '$.b' })).toThrow('unknown key');
    expect(() => contextValue('not json', { type: 'JSONPath', expression: '$.a' })).toThrow('parsing the JSON response');
    expect(goJsonMarshal([1, 'x'])).toBe('[1,"x"]');
  });
});

describe('fetched by a spawner', () => {
  let stack: KelosTestStack;
  let github: FakeGitHub;
  let server: http.Server;
  let base: string;
  const seen: { url: string; method: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', method: req.method ?? '', headers: req.headers, body });
        const url = req.url ?? '';
        if (url.startsWith('/items/')) return res.end(JSON.stringify({ data: { summary: `Summary of ${url.slice('/items/'.length)}`, tags: ['a', 'b'] } }));
        if (url === '/big') return res.end('x'.repeat(5000));
        if (url === '/echo') return res.end(body);
        res.writeHead(url === '/broken' ? 500 : 404).end('no');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    github = await startFakeGitHub({ app: { appId: 77, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
    stack = await startKelosTestStack('context-sources');
    stack.secrets.put('default', 'ctx-token', { Authorization: SECRET });
    stack.secrets.put('default', 'ctx-app', { appID: '77', installationID: '5', privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() });
    await stack.startWorker({ env: { GITHUB_API_URL: github.url } });
  });
  afterAll(async () => {
    await stack?.teardown();
    await github?.close();
    server?.close();
  });

  /** A generic webhook spawner (Task name `ctx-<id>`) with these context sources and prompt; one delivery `{id}`. */
  async function deliver(name: string, contextSources: unknown[], promptTemplate: string, id: string) {
    await stack.api.applySpawner({
      apiVersion: 'kelos.dev/v1alpha2',
      kind: 'TaskSpawner',
      metadata: { name, namespace: 'default' },
      spec: {
        when: { webhook: { source: name, fieldMapping: { id: '$.id' } } },
        taskTemplate: { type: 'claude-code', credentials: { type: 'none' }, image: IMAGE, nameTemplate: `${name}-{{.ID}}`, promptTemplate, contextSources },
      },
    } as never);
    const handle = stack.env.client.workflow.getHandle(spawnerWorkflowId('default', name));
    await handle.signal(webhookDeliverySignal, genericDelivery(name, { id }));
    return handle;
  }

  it('renders URL, headers and body per item, adds secret and GitHub App headers, filters by JSONPath, and Ignore gives ""', async () => {
    const name = uniqueName('ctx');
    await deliver(
      name,
      [
        { name: 'issue', http: { url: `${base}/items/{{.ID}}`, allowInsecure: true, headers: { 'X-Item': 'item-{{.ID}}' }, headersFrom: [{ header: 'Authorization', secretName: 'ctx-token', secretKey: 'Authorization' }], responseFilter: { type: 'JSONPath', expression: '$.data.summary' } } },
        { name: 'tags', http: { url: `${base}/items/{{.ID}}`, allowInsecure: true, githubAppAuth: { secretRef: { name: 'ctx-app' } }, responseFilter: { type: 'JSONPath', expression: '$.data.tags' } } },
        { name: 'echo', http: { url: `${base}/echo`, allowInsecure: true, method: 'POST', body: '{"id":"{{.ID}}"}' } },
        { name: 'optional', http: { url: `${base}/broken`, allowInsecure: true }, failurePolicy: 'Ignore' },
      ],
      'Fix {{.Context.issue}} tags={{.Context.tags}} echo={{.Context.echo}} optional=[{{.Context.optional}}]',
      'e-1',
    );
    const task = await eventually(async () => stack.api.getTask('default', `${name}-e-1`), 30_000, 'the Task');
    expect(task.spec.prompt).toBe('Fix Summary of e-1 tags=["a","b"] echo={"id":"e-1"} optional=[]');
    const issueRequest = seen.find((r) => r.url === '/items/e-1' && r.headers['x-item'])!;
    expect(issueRequest.headers).toMatchObject({ 'x-item': 'item-e-1', authorization: SECRET });
    const tagsRequest = seen.find((r) => r.url === '/items/e-1' && !r.headers['x-item'])!;
    expect(tagsRequest.headers.authorization).toBe(`token ${github.mintedTokens.at(-1)}`);
    const echo = seen.find((r) => r.url === '/echo')!;
    expect(echo).toMatchObject({ method: 'POST', body: '{"id":"e-1"}', headers: expect.objectContaining({ 'content-type': 'application/json' }) });
    const history = JSON.stringify(await stack.env.client.workflow.getHandle(spawnerWorkflowId('default', name)).fetchHistory(), (key, value) => (key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value));
    expect(history).not.toContain('ctx-secret-value-42');
    await stack.env.client.workflow.getHandle(taskWorkflowId('default', `${name}-e-1`)).result();
  });

  test.each([
    ['a Fail source that answers 404', { path: '/missing', allowInsecure: true }, 'context source "doc": HTTP 404 from'],
    ['plain http without allowInsecure', { path: '/items/1' }, 'context source "doc": HTTP URLs are not allowed without allowInsecure'],
    ['a body over maxResponseBytes', { path: '/big', allowInsecure: true, maxResponseBytes: 1024 }, 'context source "doc": response body exceeds maxResponseBytes (1024)'],
  ])('%s: no Task, and the spawner says why', async (_name, { path: urlPath, ...rest }, message) => {
    const name = uniqueName('ctx-fail');
    const handle = await deliver(name, [{ name: 'doc', http: { url: `${base}${urlPath}`, ...rest } }], 'Fix {{.Context.doc}}', 'f-1');
    const status = await eventually(async () => {
      const s: SpawnerStatus = await handle.query(spawnerStatusQuery);
      return s.message?.includes('error') ? s : undefined;
    }, 30_000, 'the error in the status');
    expect(status.message).toContain(message);
    expect(await stack.api.getTask('default', `${name}-f-1`)).toBeUndefined();
  });
});
