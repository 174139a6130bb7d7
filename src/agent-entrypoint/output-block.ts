/**
 * The output block kelos-capture prints after the agent's stream (kelos-behaviour §5.3), and the git/gh facts it
 * is made of. The Task's results are later read back from this block in the log (src/task/outputs.ts).
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { OUTPUTS_END_MARKER, OUTPUTS_START_MARKER } from '../task/outputs';
import { isExecutableFile } from '../host/files';

export interface OutputFacts {
  branch?: string;
  prs?: string[];
  commit?: string;
  baseBranch?: string;
  costUSD?: string;
  inputTokens?: string;
  outputTokens?: string;
  /** Plain final assistant text; the block carries it base64-encoded. */
  response?: string;
}

export type GitFacts = Pick<OutputFacts, 'branch' | 'prs' | 'commit' | 'baseBranch'>;

/** The block's lines in Kelos's order; empty when there is nothing to report (kelos-capture then prints nothing). */
export function outputLines(facts: OutputFacts): string[] {
  const lines: string[] = [];
  const add = (key: string, value: string | undefined) => {
    // A newline inside a value would forge further result lines.
    const clean = value?.replace(/[\r\n]+/g, ' ').trim();
    if (clean) lines.push(`${key}: ${clean}`);
  };
  add('branch', facts.branch);
  for (const pr of facts.prs ?? []) add('pr', pr);
  add('commit', facts.commit);
  add('base-branch', facts.baseBranch);
  add('cost-usd', facts.costUSD);
  add('input-tokens', facts.inputTokens);
  add('output-tokens', facts.outputTokens);
  if (facts.response) lines.push(`response: ${Buffer.from(facts.response, 'utf8').toString('base64')}`);
  return lines;
}

export function formatOutputBlock(facts: OutputFacts): string {
  const lines = outputLines(facts);
  return lines.length ? [OUTPUTS_START_MARKER, ...lines, OUTPUTS_END_MARKER, ''].join('\n') : '';
}

/** Runs a command, resolving to its trimmed stdout, or undefined if it failed, timed out or could not start. */
export type CommandRunner = (command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) => Promise<string | undefined>;

export const COMMAND_TIMEOUT_MS = 30_000;

export const runCommand: CommandRunner = (command, args, options) =>
  new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env, timeout: COMMAND_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout) => resolve(error ? undefined : stdout.trim()),
    );
  });

/**
 * What kelos-capture reports about the checkout: current branch, open PRs for it (origin, then
 * `$KELOS_UPSTREAM_REPO`), HEAD, and the base branch (`$KELOS_BASE_BRANCH`, else origin/HEAD's branch).
 * Any failing command just leaves its line out.
 */
export async function collectGitFacts(cwd: string, env: NodeJS.ProcessEnv, run: CommandRunner = runCommand): Promise<GitFacts> {
  const facts: GitFacts = {};
  const opts = { cwd, env };
  const inGitRepo = (await run('git', ['rev-parse', '--is-inside-work-tree'], opts)) !== undefined;
  if (inGitRepo) {
    const branch = await run('git', ['branch', '--show-current'], opts);
    if (branch) {
      facts.branch = branch;
      if (findExecutable('gh', env.PATH)) {
        const prs = await queryPRs(run, opts, branch);
        if (env.KELOS_UPSTREAM_REPO) prs.push(...(await queryPRs(run, opts, branch, env.KELOS_UPSTREAM_REPO)));
        if (prs.length) facts.prs = prs;
      }
    }
    const commit = await run('git', ['rev-parse', 'HEAD'], opts);
    if (commit) facts.commit = commit;
  }
  if (env.KELOS_BASE_BRANCH) {
    facts.baseBranch = env.KELOS_BASE_BRANCH;
  } else if (inGitRepo) {
    const ref = await run('git', ['symbolic-ref', 'refs/remotes/origin/HEAD'], opts);
    const base = ref?.replace(/^refs\/remotes\/origin\//, '');
    if (base) facts.baseBranch = base;
  }
  return facts;
}

async function queryPRs(run: CommandRunner, opts: { cwd: string; env: NodeJS.ProcessEnv }, branch: string, repo?: string): Promise<string[]> {
  const args = ['pr', 'list', '--head', branch, '--json', 'url', ...(repo ? ['--repo', repo] : [])];
  const output = await run('gh', args, opts);
  if (!output) return [];
  try {
    const prs = JSON.parse(output) as unknown;
    if (!Array.isArray(prs)) return [];
    return prs.map((pr) => (pr && typeof pr === 'object' ? (pr as { url?: unknown }).url : undefined)).filter((url): url is string => typeof url === 'string' && url !== '');
  } catch {
    return [];
  }
}

/** The first executable file called `name` on `searchPath`, or undefined. */
export function findExecutable(name: string, searchPath: string | undefined): string | undefined {
  if (name.includes('/')) return isExecutableFile(name) ? name : undefined;
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

