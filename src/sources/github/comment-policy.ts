/**
 * commentPolicy evaluation (kelos-behaviour §2.3): trigger/exclude commands in the item body and its
 * comments, only authorized authors count, the latest command wins. Pure: authorization lookups are done
 * by an activity beforehand (`commandActors` → `authorizationNeeds` → lookups → `authorizationDecider`).
 */
import type { CommentPolicy, Permission } from '../../model/types';
import {
  allowedTeamRefs,
  authorizationConfigured,
  decideWithoutLookups,
  normalizeLogin,
  type AuthorizationDecision,
  type AuthorizationResult,
  type TeamRef,
} from './comment-authorization';
import { containsAnyCommand, containsCommand } from './comment-commands';
import { compareInstants, formatInstant, parseRfc3339, type Instant } from '../../go';

export interface PolicyComment {
  body: string;
  author: string;
  /** RFC3339; anything unparseable ranks by position only. */
  createdAt: string;
  /** Order in the merged comment list (ties and untimed comments); defaults to the array index. */
  position?: number;
}

export interface CommentPolicyInput {
  /** The issue/PR body and its author. */
  body: string;
  author: string;
  comments: readonly PolicyComment[];
}

export interface CommentPolicyResult {
  included: boolean;
  /** Canonical RFC3339 (UTC) time of the winning trigger comment; absent for body triggers ("zero time"). */
  triggerTime?: string;
  /** An authorization lookup failed for a login whose command mattered: the whole cycle must fail. */
  error?: string;
}

/** A decision per normalized login; bare decisions are accepted for simple callers. */
export type Decide = (login: string) => AuthorizationDecision | AuthorizationResult;

export interface AuthorizationNeeds {
  /** Normalized logins that need lookups; empty when rules settle everyone without I/O. */
  logins: string[];
  /** Look up `GET /repos/{o}/{r}/collaborators/{login}/permission` when set. */
  minimumPermission?: Permission;
  /** Look up `GET /orgs/{org}/teams/{slug}/memberships/{login}` for each. */
  teams: TeamRef[];
}

/** Authorization fields alone do nothing: the policy applies only with a trigger or an exclude command. */
export function commentPolicyEnabled(policy: CommentPolicy | undefined): policy is CommentPolicy {
  return Boolean(policy && (policy.triggerComment || (policy.excludeComments?.length ?? 0) > 0));
}

function commandsOf(policy: CommentPolicy): { trigger: string; excludes: readonly string[] } {
  return { trigger: policy.triggerComment ?? '', excludes: policy.excludeComments ?? [] };
}

function hasAnyCommand(policy: CommentPolicy, text: string): boolean {
  const { trigger, excludes } = commandsOf(policy);
  return (trigger !== '' && containsCommand(text, trigger)) || containsAnyCommand(text, excludes);
}

/** Normalized logins whose commands count, deleted users ('') included. */
function commanders(policy: CommentPolicy, input: CommentPolicyInput): Set<string> {
  const actors = new Set<string>();
  if (hasAnyCommand(policy, input.body)) actors.add(normalizeLogin(input.author));
  for (const comment of input.comments) {
    if (hasAnyCommand(policy, comment.body)) actors.add(normalizeLogin(comment.author));
  }
  return actors;
}

/** Logins whose authorization the decision depends on: the body author if the body carries a command, and every commenting commander. */
export function commandActors(policy: CommentPolicy | undefined, input: CommentPolicyInput): string[] {
  if (!commentPolicyEnabled(policy)) return [];
  return [...commanders(policy, input)].filter(Boolean);
}

/** Which of `actors` need permission/team lookups (allowed users and unconfigured policies need none). */
export function authorizationNeeds(policy: CommentPolicy | undefined, actors: readonly string[]): AuthorizationNeeds {
  const none: AuthorizationNeeds = { logins: [], teams: [] };
  if (!commentPolicyEnabled(policy) || !authorizationConfigured(policy)) return none;
  const teams = allowedTeamRefs(policy);
  const logins = new Set<string>();
  for (const actor of actors) {
    if (decideWithoutLookups(policy, actor) === undefined) logins.add(normalizeLogin(actor));
  }
  if (logins.size === 0) return none;
  return { logins: [...logins], ...(policy.minimumPermission ? { minimumPermission: policy.minimumPermission } : {}), teams };
}

/** The latest authorized comment carrying a command set. Timed comments outrank untimed ones. */
interface Match {
  found: boolean;
  time?: Instant;
  position: number;
}

const NO_MATCH: Match = { found: false, position: -1 };

function record(match: Match, position: number, createdAt: string): Match {
  const time = parseRfc3339(createdAt);
  if (!time) return match.time ? { ...match, found: true } : { found: true, position };
  if (!match.time || compareInstants(time, match.time) > 0 || (compareInstants(time, match.time) === 0 && position > match.position)) {
    return { found: true, time, position };
  }
  return match;
}

/** Recency of two matches: by time when both have one, else by position. */
function compareMatches(a: Match, b: Match): number {
  if (a.found !== b.found) return a.found ? 1 : -1;
  if (!a.found) return 0;
  if (a.time && b.time) {
    const byTime = compareInstants(a.time, b.time);
    if (byTime !== 0) return byTime;
  }
  return a.position - b.position;
}

export function evaluateCommentPolicy(policy: CommentPolicy | undefined, input: CommentPolicyInput, decide?: Decide): CommentPolicyResult {
  if (!commentPolicyEnabled(policy)) return { included: true };
  // Settle every login whose command matters first: any unresolved lookup fails the whole evaluation.
  const authorizedLogins = new Set<string>();
  for (const login of commanders(policy, input)) {
    const result = resolveDecision(policy, login, decide);
    if (result.decision === 'error') return { included: false, error: result.error || `authorization lookup failed for "${login}"` };
    if (result.decision === 'allowed') authorizedLogins.add(login);
  }
  const authorized = (login: string) => authorizedLogins.has(normalizeLogin(login));

  const { trigger, excludes } = commandsOf(policy);
  const bodyTrigger = trigger !== '' && containsCommand(input.body, trigger);
  const bodyExclude = containsAnyCommand(input.body, excludes);
  const bodyCounts = authorized(input.author);
  const latest = (commands: readonly string[]): Match => {
    let match: Match = NO_MATCH;
    input.comments.forEach((comment, index) => {
      if (containsAnyCommand(comment.body, commands) && authorized(comment.author)) {
        match = record(match, comment.position ?? index, comment.createdAt);
      }
    });
    return match;
  };
  return decideCommentPolicy(
    trigger,
    excludes,
    { trigger: bodyCounts && bodyTrigger, exclude: bodyCounts && bodyExclude },
    trigger !== '' ? latest([trigger]) : NO_MATCH,
    excludes.length > 0 ? latest(excludes) : NO_MATCH,
  );
}

function resolveDecision(policy: CommentPolicy, login: string, decide: Decide | undefined): AuthorizationResult {
  const settled = decideWithoutLookups(policy, login);
  if (settled) return { decision: settled };
  if (!decide) return { decision: 'error', error: `no authorization decision for "${login}"` };
  const result = decide(login);
  return typeof result === 'string' ? { decision: result } : result;
}

/** Kelos's decision table; the trigger time is the winning trigger comment's (none for body triggers). */
function decideCommentPolicy(
  trigger: string,
  excludes: readonly string[],
  body: { trigger: boolean; exclude: boolean },
  triggerMatch: Match,
  excludeMatch: Match,
): CommentPolicyResult {
  const includedBy = (match: Match): CommentPolicyResult => ({ included: true, ...(match.time ? { triggerTime: formatInstant(match.time) } : {}) });
  if (excludes.length === 0) return triggerMatch.found ? includedBy(triggerMatch) : { included: body.trigger };
  if (trigger === '') return { included: !excludeMatch.found && !body.exclude };
  const order = compareMatches(triggerMatch, excludeMatch);
  if (order > 0) return includedBy(triggerMatch);
  if (order < 0) return { included: false };
  return { included: !body.exclude && body.trigger };
}
