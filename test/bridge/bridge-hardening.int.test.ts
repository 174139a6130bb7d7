/**
 * What keeps the bridge standing under bad traffic, against a fake Temporal client (fake-temporal-client.ts) so
 * that the order of its checks can be observed: the signature and the spawner lookup come before the body is parsed,
 * bodies are limited per source, requests in flight are bounded, source names are own keys only, delivery IDs are
 * capped, and every delivery carries the sha256 of its raw body.
 */
import { createHash, createHmac } from 'node:crypto';
import * as net from 'node:net';
import { sign } from '@octokit/webhooks-methods';
import type { FastifyInstance } from 'fastify';
import { admissionFromEnv } from '../../src/clients/bridge/admission';
import { createBridgeMetrics } from '../../src/clients/bridge/bridge-metrics';
import { secretsFromEnv, type BridgeSecrets } from '../../src/clients/bridge/bridge-secrets';
import { createBridge, type BridgeOptions } from '../../src/clients/bridge/bridge-server';
import { DEFAULT_BODY_LIMITS, bodyLimitsFromEnv, resolveBodyLimits } from '../../src/clients/bridge/body-limits';
import { eventually } from '../harness/kelos-stack';
import { githubExample, linearIssueBody } from '../harness/webhook-deliveries';
import { fakeTemporal, type FakeTemporal } from './fake-temporal-client';

const GITHUB_SECRET = 'gh-secret';
const LINEAR_SECRET = 'linear-secret';
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (secret: string, data: string | Buffer) => createHmac('sha256', secret).update(data).digest('hex');

const open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
  jest.restoreAllMocks();
});

function bridgeWith(temporal: FakeTemporal, options: Partial<BridgeOptions> = {}, secrets: Partial<BridgeSecrets> = {}): FastifyInstance {
  const app = createBridge({ client: temporal.client, secrets: { github: GITHUB_SECRET, linear: LINEAR_SECRET, generic: {}, ...secrets }, spawnerCacheMs: 0, ...options });
  open.push(app);
  return app;
}

/** Records every JSON.parse of a text at least `minLength` long (the bridge's own parses of a large body). */
function watchLargeParses(minLength: number): () => number {
  const spy = jest.spyOn(JSON, 'parse');
  return () => spy.mock.calls.filter(([text]) => typeof text === 'string' && text.length >= minLength).length;
}

/** `{"a":[{},{},...]}` of about `bytes` bytes: cheap to send, slow to parse and trim. */
function manyObjects(bytes: number): string {
  return `{"a":[${Array.from({ length: Math.floor(bytes / 3) }, () => '{}').join(',')}]}`;
}

async function githubPost(app: FastifyInstance, event: string, body: string, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/webhook/github',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-hub-signature-256': await sign(GITHUB_SECRET, body), ...headers },
    payload: body,
  });
}

function linearPost(app: FastifyInstance, body: string, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url: '/webhook/linear', headers: { 'content-type': 'application/json', 'linear-signature': hmac(LINEAR_SECRET, body), ...headers }, payload: body });
}

/** Starts a POST over a real socket, sends `sentBytes` of its body and leaves the rest: the request stays in flight. */
async function holdRequest(app: FastifyInstance, url: string, declaredBytes: number, sentBytes = 1): Promise<net.Socket> {
  if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as net.AddressInfo;
  const socket = net.connect(address.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(`POST ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${declaredBytes}\r\n\r\n{${' '.repeat(sentBytes - 1)}`);
  return socket;
}

/** Everything the server sends on `socket` until it closes. */
function answerOn(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('end', () => resolve(text));
    socket.on('close', () => resolve(text));
  });
}

describe('checks before the body is parsed', () => {
  it('a 10 MiB body for a source nobody listens to gets 404 from the lookup (not 413), without being parsed', async () => {
    const temporal = fakeTemporal();
    const app = bridgeWith(temporal);
    const body = manyObjects(10 * 1024 * 1024);
    const largeParses = watchLargeParses(body.length);
    const response = await app.inject({ method: 'POST', url: '/webhook/nosuch-source', headers: { 'content-type': 'application/json' }, payload: body });
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toMatch(/nosuch-source/);
    expect(temporal.lists()).toBe(1); // the lookup happened, and answered
    expect(largeParses()).toBe(0);
  });

  it('a source without a secret that nobody listens to gets 404 before its body is even read', async () => {
    const temporal = fakeTemporal();
    const app = bridgeWith(temporal);
    const held = await holdRequest(app, '/webhook/nobody-here', 500_000); // one byte of 500,000 sent
    const answer = await answerOn(held);
    expect(answer).toMatch(/^HTTP\/1\.1 404/);
    expect(answer).toMatch(/connection: close/i);
    expect(temporal.lists()).toBe(1);
    held.destroy();
  });

  it('a Linear delivery with a bad signature is refused without being parsed', async () => {
    const temporal = fakeTemporal({ 'linear:issue': ['spawner/default/l'] });
    const app = bridgeWith(temporal);
    const body = JSON.stringify(linearIssueBody());
    const largeParses = watchLargeParses(body.length);
    const response = await linearPost(app, body, { 'linear-signature': hmac('not-the-secret', body) });
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toMatch(/signature/);
    expect(largeParses()).toBe(0);
    expect(temporal.lists()).toBe(0);
  });

  it('a Linear delivery with a good signature but a body that is not JSON is a 400, not a 401', async () => {
    const app = bridgeWith(fakeTemporal());
    const response = await linearPost(app, 'not json');
    expect(response.statusCode).toBe(400);
  });

  it('a signed GitHub event nobody listens to is answered 200 with no spawner, without parsing the body', async () => {
    const temporal = fakeTemporal();
    const app = bridgeWith(temporal);
    const body = JSON.stringify(githubExample('issues', 'opened'));
    const largeParses = watchLargeParses(body.length);
    const named = await githubPost(app, 'issues', body, { 'x-github-delivery': 'd-unheard' });
    expect(named.statusCode).toBe(200);
    expect(named.json()).toEqual({ deliveryId: 'd-unheard', spawners: 0 });
    const unnamed = await githubPost(app, 'issues', body);
    expect(unnamed.json()).toEqual({ deliveryId: `github-${sha256(body)}`, spawners: 0 });
    expect(temporal.lists()).toBe(2); // spawnerCacheMs 0: a lookup each
    expect(largeParses()).toBe(0);
  });

  it('a generic source with a secret checks the signature before asking visibility', async () => {
    const temporal = fakeTemporal({ 'generic:alerts': ['spawner/default/a'] });
    const app = bridgeWith(temporal, {}, { generic: { alerts: 'alerts-secret' } });
    const response = await app.inject({ method: 'POST', url: '/webhook/alerts', headers: { 'x-kelos-signature-256': `sha256=${hmac('wrong', '{}')}` }, payload: '{}' });
    expect(response.statusCode).toBe(401);
    expect(temporal.lists()).toBe(0);
  });
});

describe('body limits per source', () => {
  const limits = { github: 2048, linear: 1024, generic: 512, sources: { roomy: 4096 } };

  // Sources with a listening spawner: one nobody listens to gets its 404 before its body is read, whatever its size.
  const listening = () => fakeTemporal({ 'generic:some-source': ['spawner/default/s'], 'generic:roomy': ['spawner/default/r'] });

  it('answers 413 naming the limit and its variable, for each source', async () => {
    const app = bridgeWith(listening(), { bodyLimits: limits });
    const over = (bytes: number) => JSON.stringify({ pad: 'x'.repeat(bytes) });
    const github = await githubPost(app, 'issues', over(limits.github));
    expect(github.statusCode).toBe(413);
    expect(github.json().error).toMatch(new RegExp(`${limits.github} bytes.*KELOS_BRIDGE_BODY_LIMIT_GITHUB`));
    const linear = await linearPost(app, over(limits.linear));
    expect(linear.statusCode).toBe(413);
    expect(linear.json().error).toMatch(new RegExp(`${limits.linear} bytes.*KELOS_BRIDGE_BODY_LIMIT_LINEAR`));
    const generic = await app.inject({ method: 'POST', url: '/webhook/some-source', payload: over(limits.generic) });
    expect(generic.statusCode).toBe(413);
    expect(generic.json().error).toMatch(new RegExp(`${limits.generic} bytes.*KELOS_BRIDGE_BODY_LIMIT_GENERIC`));
  });

  it('a generic source with its own limit takes bodies up to it; its own 413 names it', async () => {
    const temporal = listening();
    const app = bridgeWith(temporal, { bodyLimits: limits });
    const within = JSON.stringify({ pad: 'x'.repeat(limits.generic * 2) });
    expect((await app.inject({ method: 'POST', url: '/webhook/roomy', payload: within })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/webhook/some-source', payload: within })).statusCode).toBe(413);
    expect(temporal.signals.map((signal) => signal.workflowId)).toEqual(['spawner/default/r']);
    const beyond = await app.inject({ method: 'POST', url: '/webhook/roomy', payload: JSON.stringify({ pad: 'x'.repeat(limits.sources.roomy) }) });
    expect(beyond.statusCode).toBe(413);
    expect(beyond.json().error).toMatch(new RegExp(`${limits.sources.roomy} bytes.*generic source "roomy".*KELOS_BRIDGE_BODY_LIMIT_ROOMY`));
  });

  it('defaults stay well below 10 MiB except for GitHub, which may send up to 25 MB', () => {
    const resolved = resolveBodyLimits();
    expect(resolved.generic).toBeLessThan(10 * 1024 * 1024);
    expect(resolved.linear).toBeLessThan(10 * 1024 * 1024);
    expect(resolved.github).toBeGreaterThanOrEqual(25_000_000);
  });

  it('reads limits from the environment, the most specific winning, and refuses a value that is not a byte count', () => {
    const env = { KELOS_BRIDGE_BODY_LIMIT: '3000', KELOS_BRIDGE_BODY_LIMIT_LINEAR: '2000', KELOS_BRIDGE_BODY_LIMIT_MY_SOURCE: '9000' };
    const resolved = resolveBodyLimits(bodyLimitsFromEnv(env));
    expect(resolved).toMatchObject({ github: 3000, linear: 2000, generic: 3000 });
    expect(resolved.sources.get('my-source')).toBe(9000);
    expect(() => bodyLimitsFromEnv({ KELOS_BRIDGE_BODY_LIMIT_GITHUB: '1MB' })).toThrow(/KELOS_BRIDGE_BODY_LIMIT_GITHUB="1MB"/);
    expect(resolveBodyLimits(bodyLimitsFromEnv({})).generic).toBe(DEFAULT_BODY_LIMITS.generic);
  });
});

describe('requests in flight', () => {
  it('beyond the bound answers 503 with Retry-After and counts it, and takes requests again once one finishes', async () => {
    const metrics = createBridgeMetrics();
    const app = bridgeWith(fakeTemporal(), { maxInFlight: 1, metrics });
    const held = await holdRequest(app, '/webhook/github', 100); // GitHub reads the whole body before anything else
    await eventually(async () => ((await metrics.requestsInFlight.get()).values[0]?.value === 1 ? true : undefined), 10_000, 'the held request in flight');

    const refused = await app.inject({ method: 'POST', url: '/webhook/other-source', payload: '{}' });
    expect(refused.statusCode).toBe(503);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json().error).toMatch(/KELOS_BRIDGE_MAX_IN_FLIGHT/);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200); // probes are not webhook requests

    const answer = answerOn(held);
    held.end(`${' '.repeat(98)}}`);
    expect(await answer).toMatch(/^HTTP\/1\.1 401/); // unsigned
    await eventually(async () => ((await metrics.requestsInFlight.get()).values[0]?.value === 0 ? true : undefined), 10_000, 'the held request released');
    expect((await app.inject({ method: 'POST', url: '/webhook/other-source', payload: '{}' })).statusCode).toBe(404);
    const exposed = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(exposed).toMatch(/kelos_webhook_deliveries_total\{source="generic",outcome="overloaded"\} 1/);
    held.destroy();
  });

  it('bounds the body bytes held at once by the bytes that arrived, not by what requests declare', async () => {
    const metrics = createBridgeMetrics();
    const app = bridgeWith(fakeTemporal(), { bodyLimits: { all: 1000 }, maxBytesInFlight: 1500, metrics });
    const bytesHeld = async () => (await metrics.bytesInFlight.get()).values[0]?.value;
    const declaredOnly = await holdRequest(app, '/webhook/github', 1000, 1);
    await eventually(async () => ((await bytesHeld()) === 1 ? true : undefined), 10_000, 'one byte held');
    const github = (bytes: number) => app.inject({ method: 'POST', url: '/webhook/github', payload: JSON.stringify({ pad: 'x'.repeat(bytes - 12) }) });
    expect((await github(900)).statusCode).toBe(401); // 1 + 900 ≤ 1500: read (and refused as unsigned)
    declaredOnly.destroy();
    await eventually(async () => ((await bytesHeld()) === 0 ? true : undefined), 10_000, 'its byte given back');

    const held = await holdRequest(app, '/webhook/github', 1000, 999);
    await eventually(async () => ((await bytesHeld()) === 999 ? true : undefined), 10_000, '999 bytes held');
    const tooMuch = await github(600);
    expect(tooMuch.statusCode).toBe(503);
    expect(Number(tooMuch.headers['retry-after'])).toBeGreaterThan(0);
    expect(tooMuch.json().error).toMatch(/KELOS_BRIDGE_MAX_BYTES_IN_FLIGHT/);
    expect((await github(400)).statusCode).toBe(401);
    held.destroy();
  });

  it('refuses settings that cannot work, naming them', () => {
    expect(() => admissionFromEnv({ KELOS_BRIDGE_MAX_IN_FLIGHT: 'many' })).toThrow(/KELOS_BRIDGE_MAX_IN_FLIGHT/);
    expect(() => createBridge({ client: fakeTemporal().client, secrets: { generic: {} }, bodyLimits: { all: 2000 }, maxBytesInFlight: 1000 })).toThrow(/KELOS_BRIDGE_MAX_BYTES_IN_FLIGHT.*2000/);
  });
});

describe('spawner lookups', () => {
  it('a flood of distinct source names costs one visibility listing, not a query each, while a real source is served', async () => {
    const temporal = fakeTemporal({ 'generic:real': ['spawner/default/real'] });
    const app = bridgeWith(temporal, { spawnerCacheMs: 60_000 });
    const flood = Array.from({ length: 200 }, (_, i) => app.inject({ method: 'POST', url: `/webhook/random-${i}`, payload: '{}' }));
    const real = app.inject({ method: 'POST', url: '/webhook/real', payload: '{"id":"r-1"}' });
    expect(new Set((await Promise.all(flood)).map((a) => a.statusCode))).toEqual(new Set([404]));
    expect((await real).statusCode).toBe(200);
    expect(temporal.lists()).toBe(1);
  });
});

describe('source names are own keys only', () => {
  it('a generic source named "constructor" with a secret needs its signature and reaches its spawner', async () => {
    const temporal = fakeTemporal({ 'generic:constructor': ['spawner/default/ctor'] });
    const app = bridgeWith(temporal, {}, secretsFromEnv({ KELOS_WEBHOOK_SECRET_CONSTRUCTOR: 'ctor-secret' }));
    const body = JSON.stringify({ id: 'c-1' });
    expect((await app.inject({ method: 'POST', url: '/webhook/constructor', payload: body })).statusCode).toBe(401);
    const signed = await app.inject({ method: 'POST', url: '/webhook/constructor', headers: { 'x-kelos-signature-256': `sha256=${hmac('ctor-secret', body)}` }, payload: body });
    expect(signed.statusCode).toBe(200);
    expect(temporal.signals.map((s) => s.workflowId)).toEqual(['spawner/default/ctor']);
  });

  it('a source named "constructor" without a secret is unauthenticated like any other; "__proto__" is not a source name', async () => {
    const temporal = fakeTemporal({ 'generic:constructor': ['spawner/default/ctor'] });
    const app = bridgeWith(temporal);
    expect((await app.inject({ method: 'POST', url: '/webhook/constructor', payload: '{"id":"c-2"}' })).statusCode).toBe(200);
    const proto = await app.inject({ method: 'POST', url: '/webhook/__proto__', payload: '{}' });
    expect(proto.statusCode).toBe(400);
    expect(proto.json().error).toMatch(/invalid source/);
  });
});

describe('delivery IDs and body hashes', () => {
  it('refuses a delivery ID header of 1000 characters, naming the header', async () => {
    const temporal = fakeTemporal({ 'github:issues': ['spawner/default/gh'], 'linear:issue': ['spawner/default/l'] });
    const app = bridgeWith(temporal);
    const long = 'd'.repeat(1000);
    const github = await githubPost(app, 'issues', JSON.stringify(githubExample('issues', 'opened')), { 'x-github-delivery': long });
    expect(github.statusCode).toBe(400);
    expect(github.json().error).toMatch(/X-GitHub-Delivery.*1000/);
    const linear = await linearPost(app, JSON.stringify(linearIssueBody()), { 'linear-delivery': long });
    expect(linear.statusCode).toBe(400);
    expect(linear.json().error).toMatch(/Linear-Delivery.*1000/);
    expect(temporal.signals).toEqual([]);
  });

  it('every delivery signalled carries the sha256 of its raw body', async () => {
    const temporal = fakeTemporal({ 'github:issues': ['spawner/default/gh'], 'linear:issue': ['spawner/default/l'], 'generic:alerts': ['spawner/default/a'] });
    const app = bridgeWith(temporal);
    const githubBody = JSON.stringify(githubExample('issues', 'opened'));
    const linearBody = JSON.stringify(linearIssueBody());
    const genericBody = JSON.stringify({ id: 'g-1' });
    expect((await githubPost(app, 'issues', githubBody, { 'x-github-delivery': 'd-sha' })).statusCode).toBe(200);
    expect((await linearPost(app, linearBody, { 'linear-delivery': 'l-sha' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/webhook/alerts', payload: genericBody })).statusCode).toBe(200);
    const bySource = Object.fromEntries(temporal.signals.map((s) => [s.delivery.source, s.delivery.bodySha256]));
    expect(bySource).toEqual({ github: sha256(githubBody), linear: sha256(linearBody), generic: sha256(genericBody) });
  });
});
