/**
 * GitHub polling cost: requests and rate-limit points of our `pollSource` activity against a naive poller that
 * lists every page and then every item's comments on every cycle (Kelos's way), on the same repository of N open
 * issues served by the local GitHub API. Cycles: first (cold), idle, 3 issues changed, idle again.
 * No Temporal server is needed: the activity runs in a mock activity context.
 *
 *   npm run bench:polling -- [--issues 500] [--changed 3]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Octokit } from '@octokit/rest';
import type { GitHubIssuesSource } from '../src/model/types';
import type { PollSourceInput, PollSourceResult } from '../src/sources/polling/poll';
import { createPollActivities } from '../src/sources/polling/poll-activities';
import { startFakeGitHub, type FakeGitHub } from '../test/harness/github-api';

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

interface Cost {
  requests: number;
  notModified: number;
  points: number;
}

/** What the server saw since the last reset: the ground truth for both pollers. */
function serverCost(github: FakeGitHub): Cost {
  const requests = github.requests.length;
  const notModified = github.requests.filter((r) => r.status === 304).length;
  const points = github.requests.reduce((sum, r) => sum + r.cost, 0);
  github.resetRequests();
  return { requests, notModified, points };
}

/** Kelos's cycle: every page of the list, then every item's comments, unconditionally. */
async function naiveCycle(octokit: Octokit, owner: string, repo: string): Promise<number> {
  const issues = await octokit.paginate(octokit.rest.issues.listForRepo, { owner, repo, state: 'open', per_page: 100 });
  for (const issue of issues) await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: issue.number, per_page: 100 });
  return issues.length;
}

async function main(): Promise<void> {
  const issueCount = arg('issues', 500);
  const changedCount = arg('changed', 3);
  // The repository's history happened over the past year, one change per minute; the changes come now.
  let clock = Date.UTC(2026, 0, 1);
  const github = await startFakeGitHub({ tokens: ['ghp_bench'], rateLimit: 1_000_000, now: () => new Date(clock) });
  const repo = github.repo('acme', 'big');
  const issues = Array.from({ length: issueCount }, (_, i) => {
    clock += 60_000;
    const issue = repo.addIssue({ title: `Issue ${i}`, body: `Body of issue ${i}`, labels: ['triage'], user: 'alice' });
    clock += 60_000;
    repo.addComment(issue.number, { user: 'bob', body: `First comment on ${i}` });
    return issue;
  });

  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-bench-polling-'));
  const { pollSource } = createPollActivities({ client: undefined as unknown as Client, home, env: { GITHUB_API_URL: github.url } });
  const source: GitHubIssuesSource = { repo: 'acme/big', types: ['issues'], state: 'open', pollInterval: '5m', pollIntervalMs: 300_000 };
  const input: PollSourceInput = { spawnerId: 'spawner/default/bench', namespace: 'default', kind: 'githubIssues', source, usage: { Comments: true, ReviewState: false, ReviewComments: false } };
  const environment = new MockActivityEnvironment();
  let cursor: string | undefined;
  const ours = async (): Promise<{ cost: Cost; result: PollSourceResult }> => {
    github.resetRequests();
    const result = (await environment.run(pollSource, { ...input, ...(cursor ? { cursor } : {}) })) as PollSourceResult;
    cursor = result.cursor;
    return { cost: serverCost(github), result };
  };
  const octokit = new Octokit({ auth: 'ghp_bench', baseUrl: github.url });
  const naive = async (): Promise<Cost> => {
    github.resetRequests();
    await naiveCycle(octokit, 'acme', 'big');
    return serverCost(github);
  };
  const change = () => {
    clock = Date.now();
    for (let i = 0; i < changedCount; i += 1) {
      const target = issues[Math.floor(((i + 1) * issueCount) / (changedCount + 1))];
      if (i % 3 === 0) repo.addComment(target.number, { user: 'carol', body: 'A new comment' });
      else if (i % 3 === 1) repo.updateIssue(target.number, { labels: ['triage', 'urgent'] });
      else repo.updateIssue(target.number, { title: `${target.title} (edited)` });
    }
  };

  const rows: { cycle: string; ours: Cost; naive: Cost; items: number }[] = [];
  const first = await ours();
  rows.push({ cycle: 'first (cold)', ours: first.cost, naive: await naive(), items: first.result.items.length });
  // The first incremental listing catches up with items updated in the watermark's second; measure after it.
  await ours();
  const idle = await ours();
  rows.push({ cycle: 'idle', ours: idle.cost, naive: await naive(), items: idle.result.items.length });
  change();
  const changed = await ours();
  rows.push({ cycle: `${changedCount} changed`, ours: changed.cost, naive: await naive(), items: changed.result.items.length });
  const idleAgain = await ours();
  rows.push({ cycle: 'idle again', ours: idleAgain.cost, naive: await naive(), items: idleAgain.result.items.length });

  console.log(`GitHub polling, ${issueCount} open issues with one comment each, template prints {{.Comments}}`);
  console.log('cycle          | ours: requests / 304 / points | items sent to the spawner | naive: requests / points');
  for (const row of rows) {
    console.log(
      `${row.cycle.padEnd(14)} | ${String(row.ours.requests).padStart(8)} / ${String(row.ours.notModified).padStart(3)} / ${String(row.ours.points).padStart(6)} | ${String(row.items).padStart(25)} | ${String(row.naive.requests).padStart(8)} / ${String(row.naive.points).padStart(6)}`,
    );
  }
  const ratio = (row: (typeof rows)[number]) => (row.ours.points === 0 ? 'no points at all' : `${(row.naive.points / row.ours.points).toFixed(0)}x fewer points`);
  console.log(`idle: ${ratio(rows[1])}; ${changedCount} changed: ${ratio(rows[2])} than the naive poller`);
  console.log('(the poll after a change lists the changed items once more: GitHub\'s `since` is inclusive; then idle polls are free again)');
  await github.close();
  fs.rmSync(home, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
