/**
 * The test harness's GitHub API speaks what octokit and our poller rely on: Link pagination formatted like the
 * recorded API (@octokit/fixtures), ETags with free 304s, rate-limit headers and exhaustion, GitHub's 401/404,
 * filters, and GitHub App installation tokens through the real @octokit/auth-app.
 */
import { generateKeyPairSync } from 'node:crypto';
import { Octokit } from '@octokit/rest';
import { createAppAuth } from '@octokit/auth-app';
import { startFakeGitHub, type FakeGitHub } from '../harness/github-api';

const TOKEN = 'ghp_fake_github_selftest';
let github: FakeGitHub;

beforeAll(async () => {
  github = await startFakeGitHub({ tokens: [TOKEN] });
});
afterAll(() => github?.close());

const client = (auth: string | undefined = TOKEN) => new Octokit({ auth, baseUrl: github.url, log: { debug() {}, info() {}, warn() {}, error() {} } });

test('pagination: 250 issues over 3 pages, Link header in the recorded API format', async () => {
  const repo = github.repo('acme', 'paged');
  for (let i = 0; i < 250; i += 1) repo.addIssue({ title: `Issue ${i}` });
  const octokit = client();
  const all = await octokit.paginate(octokit.rest.issues.listForRepo, { owner: 'acme', repo: 'paged', per_page: 100 });
  expect(all).toHaveLength(250);
  expect(all[0].number).toBe(250); // newest first, as GitHub's default sort
  const second = await octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'paged', per_page: 100, page: 2 });
  const recorded = require('@octokit/fixtures/scenarios/api.github.com/paginate-issues/normalized-fixture.json') as { headers: Record<string, string> }[];
  const shape = (link: string) => link.replace(/<[^>]+>/g, '<URL>');
  expect(shape(second.headers.link!)).toBe(shape(recorded[1].headers.link));
});

test('a conditional request for an unchanged page is a 304 that costs no rate-limit points', async () => {
  const repo = github.repo('acme', 'etags');
  const issue = repo.addIssue({ title: 'One' });
  const octokit = client();
  const first = await octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'etags' });
  const remaining = github.rateLimit.remaining;
  await expect(octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'etags', headers: { 'if-none-match': first.headers.etag! } })).rejects.toMatchObject({ status: 304 });
  expect(github.rateLimit.remaining).toBe(remaining);
  repo.addComment(issue.number, { user: 'bob', body: 'changed' });
  const changed = await octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'etags', headers: { 'if-none-match': first.headers.etag! } });
  expect(changed.status).toBe(200);
  expect(Date.parse(changed.data[0].updated_at)).toBeGreaterThan(Date.parse(first.data[0].updated_at));
  expect(github.rateLimit.remaining).toBe(remaining - 1);
});

test('filters: state, labels (AND, case-insensitive), assignee, creator, since', async () => {
  const repo = github.repo('acme', 'filters');
  repo.addIssue({ title: 'a', labels: ['Bug', 'ready'], user: 'alice', assignees: ['bob'] });
  repo.addIssue({ title: 'b', labels: ['bug'], user: 'carol' });
  const closed = repo.addIssue({ title: 'c', labels: ['bug', 'ready'], user: 'alice' });
  repo.updateIssue(closed.number, { state: 'closed' });
  const octokit = client();
  const titles = async (params: Record<string, string>) => (await octokit.request('GET /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'filters', ...params })).data.map((i: { title: string }) => i.title).sort();
  expect(await titles({ labels: 'bug,READY' })).toEqual(['a']);
  expect(await titles({ labels: 'bug', state: 'all' })).toEqual(['a', 'b', 'c']);
  expect(await titles({ assignee: '*' })).toEqual(['a']);
  expect(await titles({ assignee: 'none' })).toEqual(['b']);
  expect(await titles({ creator: 'Carol' })).toEqual(['b']);
  expect(await titles({ state: 'all', since: closed.updated_at })).toEqual(['c']);
});

test('rate limit exhaustion answers 403 with remaining 0 and the reset time', async () => {
  const limited = await startFakeGitHub({ tokens: [TOKEN], rateLimit: 2 });
  try {
    limited.repo('acme', 'r').addIssue({ title: 'x' });
    const octokit = new Octokit({ auth: TOKEN, baseUrl: limited.url, log: { debug() {}, info() {}, warn() {}, error() {} } });
    await octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'r' });
    await octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'r' });
    const error = await octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'r' }).catch((e) => e);
    expect(error.status).toBe(403);
    expect(error.response.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(error.response.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
    expect(error.message).toMatch(/rate limit exceeded/);
  } finally {
    await limited.close();
  }
});

test('bad credentials are a 401, unknown and private repositories a 404', async () => {
  github.repo('acme', 'secret', { private: true });
  await expect(client('ghp_wrong').rest.issues.listForRepo({ owner: 'acme', repo: 'paged' })).rejects.toMatchObject({ status: 401, message: expect.stringContaining('Bad credentials') });
  await expect(client().rest.issues.listForRepo({ owner: 'acme', repo: 'nope' })).rejects.toMatchObject({ status: 404 });
  await expect(new Octokit({ baseUrl: github.url, log: { debug() {}, info() {}, warn() {}, error() {} } }).rest.issues.listForRepo({ owner: 'acme', repo: 'secret' })).rejects.toMatchObject({ status: 404 });
});

test('collaborator permission and team membership lookups', async () => {
  const repo = github.repo('acme', 'perms');
  repo.setCollaborator('maintainer', 'maintain');
  github.org('acme').team('core').setMember('dana', 'active');
  const octokit = client();
  const permission = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner: 'acme', repo: 'perms', username: 'maintainer' });
  expect(permission.data).toMatchObject({ permission: 'write', role_name: 'maintain' });
  await expect(octokit.rest.repos.getCollaboratorPermissionLevel({ owner: 'acme', repo: 'perms', username: 'stranger' })).rejects.toMatchObject({ status: 404 });
  expect((await octokit.rest.teams.getMembershipForUserInOrg({ org: 'acme', team_slug: 'core', username: 'dana' })).data.state).toBe('active');
  await expect(octokit.rest.teams.getMembershipForUserInOrg({ org: 'acme', team_slug: 'core', username: 'eve' })).rejects.toMatchObject({ status: 404 });
});

test('a GitHub App gets an installation token with a signed JWT and reads with it', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const app = await startFakeGitHub({ app: { appId: 4242, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
  try {
    app.repo('acme', 'app-repo').addIssue({ title: 'via app' });
    const octokit = new Octokit({
      baseUrl: app.url,
      authStrategy: createAppAuth,
      auth: { appId: 4242, installationId: 7, privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() },
    });
    const { data } = await octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'app-repo' });
    expect(data.map((i) => i.title)).toEqual(['via app']);
    expect(app.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['POST /app/installations/7/access_tokens 201', 'GET /repos/acme/app-repo/issues 200']);
  } finally {
    await app.close();
  }
});
