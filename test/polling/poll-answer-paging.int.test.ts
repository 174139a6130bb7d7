/**
 * `pollSource` against the local GitHub API with issues whose bodies are large: a delta of megabytes arrives over
 * several answers, each within the answer budget and far below Temporal's 2 MiB payload limit, every issue
 * exactly once with its whole body; an issue alone over the budget arrives cut, with the mark; idle polls are
 * still one free 304. The activity runs in a mock activity context (no worker needed).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { GitHubIssuesSource } from '../../src/model/types';
import type { PollSourceInput, PollSourceResult } from '../../src/sources/polling/poll';
import { createPollActivities } from '../../src/sources/polling/poll-activities';
import { DEFAULT_POLL_ANSWER_BUDGET_BYTES } from '../../src/sources/polling/poll-page';
import { startFakeGitHub, type FakeGitHub } from '../harness/github-api';
import { uniqueName } from '../harness/kelos-stack';

const TEMPORAL_PAYLOAD_LIMIT = 2 * 1024 * 1024;
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

let github: FakeGitHub;
let home: string;

beforeAll(async () => {
  github = await startFakeGitHub({ rateLimit: 1_000_000 });
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-poll-paging-'));
});
afterAll(async () => {
  await github?.close();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

/** A repository of `count` labelled issues with bodies of `bodyBytes`, and a poller for it. */
function setUp(count: number, bodyBytes: number, answerBudgetBytes?: number) {
  const repoName = uniqueName('big-bodies');
  const repo = github.repo('acme', repoName);
  const bodies = new Map<string, string>();
  for (let i = 0; i < count; i += 1) {
    const body = `Issue ${i}: ${'lorem ipsum dolor sit amet\n'.repeat(Math.ceil(bodyBytes / 27))}`.slice(0, bodyBytes);
    const issue = repo.addIssue({ title: `Issue ${i}`, body, labels: ['agent'], user: 'alice' });
    bodies.set(String(issue.number), body);
  }
  const { pollSource } = createPollActivities({
    client: undefined as unknown as Client,
    home,
    env: { GITHUB_API_URL: github.url },
    ...(answerBudgetBytes ? { answerBudgetBytes } : {}),
  });
  const source: GitHubIssuesSource = { repo: `acme/${repoName}`, types: ['issues'], labels: ['agent'], state: 'open', pollInterval: '1m', pollIntervalMs: 60_000 };
  const input: PollSourceInput = { spawnerId: `spawner/default/${repoName}`, namespace: 'default', kind: 'githubIssues', source, usage: { Comments: true } };
  const environment = new MockActivityEnvironment();
  const poll = (cursor?: string) => environment.run(pollSource, { ...input, ...(cursor ? { cursor } : {}) }) as Promise<PollSourceResult>;
  return { bodies, poll };
}

/** Polls as the spawner does when an answer says `more`: at once, with the answer's cursor. */
async function pollUntilComplete(poll: (cursor?: string) => Promise<PollSourceResult>, cursor?: string) {
  const answers: PollSourceResult[] = [];
  for (let n = 0; n < 100; n += 1) {
    const answer = await poll(cursor);
    answers.push(answer);
    cursor = answer.cursor;
    if (!answer.more) return { answers, cursor };
  }
  throw new Error('the answers never ended');
}

describe('pollSource answers paged by bytes', () => {
  it('40 issues with 100 KB bodies ({{.Body}}) arrive over several answers, each under budget, none lost or repeated; then an idle poll is one 304', async () => {
    const { bodies, poll } = setUp(40, 100_000);
    const { answers, cursor } = await pollUntilComplete(poll);

    expect(answers.length).toBeGreaterThanOrEqual(8);
    for (const answer of answers) {
      expect(bytes(answer.items) + bytes(answer.removed)).toBeLessThanOrEqual(DEFAULT_POLL_ANSWER_BUDGET_BYTES);
      expect(bytes(answer)).toBeLessThan(TEMPORAL_PAYLOAD_LIMIT / 2);
      expect(answer.matching).toBe(40);
      expect(answer.truncated).toBeUndefined();
    }
    expect(answers.map((a) => a.full)).toEqual([true, ...answers.slice(1).map(() => false)]);
    const delivered = answers.flatMap((a) => a.items);
    expect(delivered.map((item) => item.id).sort()).toEqual([...bodies.keys()].sort());
    for (const item of delivered) expect(item.vars.Body).toBe(bodies.get(item.id));

    // Caught up: an idle poll costs one conditional request, answered 304, and carries nothing.
    github.resetRequests();
    const idle = await poll(cursor);
    expect(idle).toMatchObject({ cursor, full: false, items: [], removed: [], requests: { requests: 1, notModified: 1, points: 0 } });
    expect(idle.more).toBeUndefined();
    expect(github.requests.map((r) => r.status)).toEqual([304]);
  });

  it('a retried poll with the same cursor gets the same page', async () => {
    const { poll } = setUp(12, 100_000);
    const first = await poll();
    expect(first.more).toBe(true);
    const second = await poll(first.cursor);
    const secondAgain = await poll(first.cursor);
    expect(secondAgain.items).toEqual(second.items);
    expect(secondAgain.cursor).toBe(second.cursor);
    expect(secondAgain.more).toBe(second.more);
    expect(second.items.map((i) => i.id)).not.toEqual(first.items.map((i) => i.id));
  });

  it('an issue alone over the budget arrives alone, its body cut with the mark, and the issues after it still come', async () => {
    const budget = 40_000;
    const { bodies, poll } = setUp(3, 100_000, budget);
    const { answers } = await pollUntilComplete(poll);

    expect(answers.map((a) => a.items.length)).toEqual([1, 1, 1]);
    for (const answer of answers) {
      const [item] = answer.items;
      expect(bytes(answer.items)).toBeLessThanOrEqual(budget);
      expect(answer.truncated).toEqual([item.id]);
      const body = item.vars.Body as string;
      const match = /\n\n\[… truncated by kelos: (\d+) more bytes\]$/.exec(body);
      expect(match).not.toBeNull();
      const kept = body.slice(0, match!.index);
      expect(bodies.get(item.id)!.startsWith(kept)).toBe(true);
      expect(kept.length + Number(match![1])).toBe(100_000);
    }
    expect(answers.flatMap((a) => a.items.map((i) => i.id)).sort()).toEqual([...bodies.keys()].sort());
  });
});
