import type { CommentPolicy, Permission } from '../../../src/model/types';
import {
  authorizeLogin,
  membershipActive,
  permissionGrants,
  type LoginLookups,
} from '../../../src/sources/github/comment-authorization';

describe('minimumPermission ranks role_name, falling back to permission (Appendix B 3, MinimumPermission)', () => {
  const cases: [string, Permission, { permission: string; role_name?: string | null }, boolean][] = [
    ['read does not reach write', 'write', { permission: 'read', role_name: 'read' }, false],
    ['admin reaches write', 'write', { permission: 'admin', role_name: 'admin' }, true],
    ['maintain is only visible in role_name', 'maintain', { permission: 'write', role_name: 'maintain' }, true],
    ['triage is only visible in role_name', 'triage', { permission: 'read', role_name: 'triage' }, true],
    ['triage does not reach write', 'write', { permission: 'read', role_name: 'triage' }, false],
    ['a custom role falls back to permission', 'write', { permission: 'write', role_name: 'security-reviewer' }, true],
    ['no role_name falls back to permission', 'read', { permission: 'read' }, true],
    ['case and spaces are ignored', 'write', { permission: 'x', role_name: ' Write ' }, true],
    ['none grants nothing', 'read', { permission: 'none', role_name: '' }, false],
  ];
  it.each(cases)('%s', (_name, minimum, response, expected) => {
    expect(permissionGrants(minimum, response)).toBe(expected);
  });
});

describe('team membership counts only when active (AllowedTeams)', () => {
  it.each([
    ['active', true],
    [' Active ', true],
    ['pending', false],
    ['', false],
  ])('state %j', (state, expected) => {
    expect(membershipActive({ state })).toBe(expected);
  });
});

describe('authorizeLogin: any rule grants; errors count only when nothing grants', () => {
  const policy: CommentPolicy = { triggerComment: '/go', allowedUsers: ['alice'], minimumPermission: 'write', allowedTeams: ['acme/devs', 'acme/ops'] };
  const cases: [string, CommentPolicy, string, LoginLookups | undefined, ReturnType<typeof authorizeLogin>][] = [
    ['no rules: everyone', { triggerComment: '/go' }, 'anyone', undefined, { decision: 'allowed' }],
    ['allowed user needs no lookup', policy, ' ALICE ', undefined, { decision: 'allowed' }],
    ['empty login is denied', policy, '', undefined, { decision: 'denied' }],
    ['allowedUsers only: others are denied without lookups', { allowedUsers: ['alice'] }, 'bob', undefined, { decision: 'denied' }],
    ['permission grants', policy, 'bob', { permission: { found: { permission: 'admin' } } }, { decision: 'allowed' }],
    ['permission 404 and no team: denied', policy, 'bob', { permission: { notFound: true }, teams: { 'acme/devs': { notFound: true }, 'acme/ops': { found: { state: 'pending' } } } }, { decision: 'denied' }],
    [
      'permission error but an active team: allowed (TeamAuthorizationStillWorksAfterPermissionError)',
      policy,
      'bob',
      { permission: { error: 'status 500' }, teams: { 'acme/devs': { notFound: true }, 'acme/ops': { found: { state: 'active' } } } },
      { decision: 'allowed' },
    ],
    [
      'permission error and no team: the first error (ReturnsAuthorizationLookupError)',
      policy,
      'bob',
      { permission: { error: 'status 500' }, teams: { 'acme/devs': { error: 'status 403' }, 'acme/ops': { notFound: true } } },
      { decision: 'error', error: 'checking repository permission for "bob": status 500' },
    ],
    [
      'a team error after a permission refusal is reported',
      policy,
      'bob',
      { permission: { found: { permission: 'read' } }, teams: { 'acme/devs': { notFound: true }, 'acme/ops': { error: 'status 502' } } },
      { decision: 'error', error: 'checking team membership for "bob" in acme/ops: status 502' },
    ],
    ['a permission grant makes team lookups unnecessary', policy, 'bob', { permission: { found: { permission: 'write' } } }, { decision: 'allowed' }],
    [
      'a lookup the rules need but nobody made is an error, not a denial',
      policy,
      'bob',
      { permission: { found: { permission: 'read' } } },
      { decision: 'error', error: 'team membership for "bob" in acme/devs was not looked up' },
    ],
  ];
  it.each(cases)('%s', (_name, p, login, lookups, expected) => {
    expect(authorizeLogin(p, login, lookups)).toEqual(expected);
  });
});
