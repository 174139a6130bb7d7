/**
 * Who may issue comment commands (kelos-behaviour §2.3). Lookups (collaborator permission, team membership)
 * are I/O, so an activity performs them and hands the responses here; this module only decides.
 * Authorized iff ANY rule grants: allowedUsers (case-insensitive), minimumPermission, allowedTeams.
 * With no rule configured everyone is authorized. A failed lookup matters only if no other rule grants.
 */
import type { CommentPolicy, Permission } from '../../model/types';
import { goTrimSpace } from '../../go';
import type { RestCollaboratorPermission, RestTeamMembership } from './rest-types';

export const PERMISSION_RANK = { read: 1, triage: 2, write: 3, maintain: 4, admin: 5 } as const;

export type AuthorizationDecision = 'allowed' | 'denied' | 'error';

export interface AuthorizationResult {
  decision: AuthorizationDecision;
  /** Why the decision is 'error' (the first failed lookup). */
  error?: string;
}

/** One REST lookup as the activity saw it: a 200 body, a 404, or a failure (network, 5xx, 403, …). */
export type Lookup<T> = { found: T } | { notFound: true } | { error: string };

/** The lookups done for one login. Teams are keyed by `org/slug` (see `TeamRef.key`). */
export interface LoginLookups {
  permission?: Lookup<RestCollaboratorPermission>;
  teams?: Readonly<Record<string, Lookup<RestTeamMembership>>>;
}

export interface TeamRef {
  org: string;
  slug: string;
  /** `org/slug`, the key into `LoginLookups.teams`. */
  key: string;
}

/** GitHub logins are case-insensitive; Kelos compares them lowercased and trimmed. */
export function normalizeLogin(login: string | null | undefined): string {
  return goTrimSpace(login ?? '').toLowerCase();
}

function allowedUsers(policy: CommentPolicy): Set<string> {
  return new Set((policy.allowedUsers ?? []).map(normalizeLogin).filter(Boolean));
}

/** Team references; the schema enforces `org/slug`, anything else is skipped rather than looked up. */
export function allowedTeamRefs(policy: CommentPolicy): TeamRef[] {
  const refs: TeamRef[] = [];
  for (const team of policy.allowedTeams ?? []) {
    const text = goTrimSpace(team);
    const slash = text.indexOf('/');
    const org = goTrimSpace(text.slice(0, slash));
    const slug = goTrimSpace(text.slice(slash + 1));
    if (slash < 0 || !org || !slug) continue;
    refs.push({ org, slug, key: `${org}/${slug}` });
  }
  return refs;
}

/** Whether any authorization rule is set; blank allowedUsers entries do not count (as in Kelos). */
export function authorizationConfigured(policy: CommentPolicy): boolean {
  return allowedUsers(policy).size > 0 || allowedTeamRefs(policy).length > 0 || Boolean(policy.minimumPermission);
}

/** The decision when no lookup is needed (no rules, an empty login, an allowed user, no lookup rules); else undefined. */
export function decideWithoutLookups(policy: CommentPolicy, login: string): AuthorizationDecision | undefined {
  if (!authorizationConfigured(policy)) return 'allowed';
  const normalized = normalizeLogin(login);
  if (!normalized) return 'denied';
  if (allowedUsers(policy).has(normalized)) return 'allowed';
  if (!policy.minimumPermission && allowedTeamRefs(policy).length === 0) return 'denied';
  return undefined;
}

function permissionRank(value: string | null | undefined): number {
  const key = goTrimSpace(value ?? '').toLowerCase();
  return Object.prototype.hasOwnProperty.call(PERMISSION_RANK, key) ? PERMISSION_RANK[key as Permission] : 0;
}

/** `role_name` (which knows triage/maintain and custom roles) first, falling back to the legacy `permission`. */
export function permissionGrants(minimum: Permission, response: RestCollaboratorPermission): boolean {
  const rank = permissionRank(response.role_name) || permissionRank(response.permission);
  return rank >= PERMISSION_RANK[minimum];
}

/** Only an active membership counts; a pending invitation does not. */
export function membershipActive(response: RestTeamMembership): boolean {
  return goTrimSpace(response.state ?? '').toLowerCase() === 'active';
}

/**
 * The decision for one login from whatever lookups were made. A lookup the policy needs but that is
 * missing counts as an error, so an activity may stop early once a rule grants (permission before teams).
 */
export function authorizeLogin(policy: CommentPolicy, login: string, lookups: LoginLookups = {}): AuthorizationResult {
  const settled = decideWithoutLookups(policy, login);
  if (settled) return { decision: settled };
  const who = normalizeLogin(login);
  const outcomes: (boolean | string)[] = [];
  if (policy.minimumPermission) {
    const minimum = policy.minimumPermission;
    outcomes.push(lookupOutcome(lookups.permission, `repository permission for "${who}"`, (found) => permissionGrants(minimum, found)));
  }
  for (const team of allowedTeamRefs(policy)) {
    outcomes.push(lookupOutcome(lookups.teams?.[team.key], `team membership for "${who}" in ${team.key}`, membershipActive));
  }
  if (outcomes.includes(true)) return { decision: 'allowed' };
  const firstError = outcomes.find((outcome): outcome is string => typeof outcome === 'string');
  return firstError ? { decision: 'error', error: firstError } : { decision: 'denied' };
}

/** true/false for a grant or a refusal (404 included), or the error text. */
function lookupOutcome<T>(lookup: Lookup<T> | undefined, what: string, grants: (found: T) => boolean): boolean | string {
  if (!lookup) return `${what} was not looked up`;
  if ('error' in lookup) return `checking ${what}: ${lookup.error}`;
  if ('notFound' in lookup) return false;
  return grants(lookup.found);
}

/** A `decide` callback for `evaluateCommentPolicy` over lookups gathered per (normalized) login. */
export function authorizationDecider(
  policy: CommentPolicy,
  lookupsByLogin: Readonly<Record<string, LoginLookups>>,
): (login: string) => AuthorizationResult {
  return (login) => {
    const key = normalizeLogin(login);
    // Own keys only: "constructor" is a valid GitHub login.
    return authorizeLogin(policy, login, Object.prototype.hasOwnProperty.call(lookupsByLogin, key) ? lookupsByLogin[key] : undefined);
  };
}
