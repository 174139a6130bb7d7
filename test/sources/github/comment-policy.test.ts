import type { CommentPolicy } from '../../../src/model/types';
import { authorizationDecider, type LoginLookups } from '../../../src/sources/github/comment-authorization';
import { containsCommand } from '../../../src/sources/github/comment-commands';
import {
  authorizationNeeds,
  commandActors,
  commentPolicyEnabled,
  evaluateCommentPolicy,
  type CommentPolicyInput,
  type PolicyComment,
} from '../../../src/sources/github/comment-policy';

const PICK_UP = '/kelos pick-up';
const NEEDS_INPUT = '/kelos needs-input';
const both: CommentPolicy = { triggerComment: PICK_UP, excludeComments: [NEEDS_INPUT] };
const c = (body: string, createdAt: string, author = 'alice'): PolicyComment => ({ body, createdAt, author });
const input = (comments: PolicyComment[], body = '', author = 'alice'): CommentPolicyInput => ({ body, author, comments });

describe('command matching: a whole trimmed line, exact and case-sensitive', () => {
  it.each([
    ['the command alone', PICK_UP, true],
    ['surrounded by whitespace', `  ${PICK_UP}\t`, true],
    ['on its own line among prose', `Thanks!\n${PICK_UP}\nCheers`, true],
    ['CRLF line endings', `hello\r\n${PICK_UP}\r\n`, true],
    ['with trailing words', `${PICK_UP} please`, false],
    ['inside a sentence', `please ${PICK_UP}`, false],
    ['different case', '/Kelos pick-up', false],
    ['empty text', '', false],
    ['NEL is whitespace to Go', `\u0085${PICK_UP}`, true],
    ['BOM is not whitespace to Go', `\ufeff${PICK_UP}`, false],
  ])('%s', (_name, text, expected) => {
    expect(containsCommand(text, PICK_UP)).toBe(expected);
  });
});

describe('latest command wins (Appendix B 1, BasicSemantics / TriggerAsResume)', () => {
  const cases: [string, CommentPolicy | undefined, CommentPolicyInput, { included: boolean; triggerTime?: string }][] = [
    ['no policy includes everything', undefined, input([c(NEEDS_INPUT, '2026-01-02T12:00:00Z')]), { included: true }],
    ['authorization fields alone do nothing', { allowedUsers: ['bob'] }, input([]), { included: true }],
    ['trigger only: no trigger anywhere excludes', { triggerComment: PICK_UP }, input([c('LGTM', '2026-01-02T12:00:00Z')]), { included: false }],
    [
      'trigger only: trigger comment includes with its time',
      { triggerComment: PICK_UP },
      input([c(PICK_UP, '2026-01-02T12:00:00Z')]),
      { included: true, triggerTime: '2026-01-02T12:00:00Z' },
    ],
    [
      'trigger only: the newest trigger comment sets the time',
      { triggerComment: PICK_UP },
      input([c(PICK_UP, '2026-01-02T12:00:00Z'), c(PICK_UP, '2026-01-04T08:30:00Z'), c('thanks', '2026-01-05T00:00:00Z')]),
      { included: true, triggerTime: '2026-01-04T08:30:00Z' },
    ],
    ['trigger only: body trigger includes with zero time', { triggerComment: PICK_UP }, input([], PICK_UP), { included: true }],
    [
      'trigger only: a comment trigger beats a body trigger for the time',
      { triggerComment: PICK_UP },
      input([c(PICK_UP, '2026-01-02T12:00:00Z')], PICK_UP),
      { included: true, triggerTime: '2026-01-02T12:00:00Z' },
    ],
    ['excludes only: no exclude includes', { excludeComments: [NEEDS_INPUT] }, input([c('hi', '2026-01-02T12:00:00Z')]), { included: true }],
    ['excludes only: exclude comment blocks', { excludeComments: [NEEDS_INPUT] }, input([c(NEEDS_INPUT, '2026-01-02T12:00:00Z')]), { included: false }],
    ['excludes only: any of several excludes blocks', { excludeComments: ['/stop', NEEDS_INPUT] }, input([c('/stop', '2026-01-02T12:00:00Z')]), { included: false }],
    ['excludes only: body exclude blocks', { excludeComments: [NEEDS_INPUT] }, input([], NEEDS_INPUT), { included: false }],
    ['excludes only: a trigger-like comment does not undo an exclude', { excludeComments: [NEEDS_INPUT] }, input([c(NEEDS_INPUT, '2026-01-02T12:00:00Z'), c(PICK_UP, '2026-01-03T12:00:00Z')]), { included: false }],
    ['both: nothing matched excludes', both, input([c('hello', '2026-01-02T12:00:00Z')]), { included: false }],
    [
      'both: trigger then exclude excludes',
      both,
      input([c(PICK_UP, '2026-01-02T12:00:00Z'), c(NEEDS_INPUT, '2026-01-03T12:00:00Z')]),
      { included: false },
    ],
    [
      'both: trigger, exclude, trigger resumes with the newest time',
      both,
      input([c(PICK_UP, '2026-01-02T12:00:00Z'), c(NEEDS_INPUT, '2026-01-03T12:00:00Z'), c(PICK_UP, '2026-01-04T12:00:00Z')]),
      { included: true, triggerTime: '2026-01-04T12:00:00Z' },
    ],
    [
      'both: time decides, not list order',
      both,
      input([c(PICK_UP, '2026-01-05T12:00:00Z'), c(NEEDS_INPUT, '2026-01-03T12:00:00Z')]),
      { included: true, triggerTime: '2026-01-05T12:00:00Z' },
    ],
    [
      'both: equal times go to the later position',
      both,
      input([c(PICK_UP, '2026-01-02T12:00:00Z'), c(NEEDS_INPUT, '2026-01-02T12:00:00Z')]),
      { included: false },
    ],
    [
      'both: equal times, trigger later in the list wins',
      both,
      input([c(NEEDS_INPUT, '2026-01-02T12:00:00Z'), c(PICK_UP, '2026-01-02T12:00:00Z')]),
      { included: true, triggerTime: '2026-01-02T12:00:00Z' },
    ],
    ['both: body exclude blocks without comment commands', both, input([], NEEDS_INPUT), { included: false }],
    ['both: body trigger includes with zero time', both, input([], PICK_UP), { included: true }],
    ['both: body containing trigger and exclude is excluded', both, input([], `${PICK_UP}\n${NEEDS_INPUT}`), { included: false }],
    [
      'both: a comment trigger overrides a body exclude',
      both,
      input([c(PICK_UP, '2026-01-02T12:00:00Z')], NEEDS_INPUT),
      { included: true, triggerTime: '2026-01-02T12:00:00Z' },
    ],
    ['both: a comment exclude overrides a body trigger', both, input([c(NEEDS_INPUT, '2026-01-02T12:00:00Z')], PICK_UP), { included: false }],
    [
      'both: one comment carrying both commands falls back to the body',
      both,
      input([c(`${PICK_UP}\n${NEEDS_INPUT}`, '2026-01-02T12:00:00Z')], PICK_UP),
      { included: true },
    ],
    [
      'unparseable timestamp: a valid trigger time still wins',
      { triggerComment: PICK_UP },
      input([c(PICK_UP, 'not-a-timestamp'), c(PICK_UP, '2026-01-02T12:00:00Z')]),
      { included: true, triggerTime: '2026-01-02T12:00:00Z' },
    ],
    [
      'unparseable timestamp: a timed trigger is not displaced by a later untimed one',
      { triggerComment: PICK_UP },
      input([c(PICK_UP, '2026-01-02T12:00:00Z'), c(PICK_UP, 'yesterday')]),
      { included: true, triggerTime: '2026-01-02T12:00:00Z' },
    ],
    ['unparseable timestamp: only untimed triggers include with zero time', { triggerComment: PICK_UP }, input([c(PICK_UP, '')]), { included: true }],
    [
      'unparseable timestamp: falls back to position against a timed exclude',
      both,
      input([c(NEEDS_INPUT, '2026-01-03T12:00:00Z'), c(PICK_UP, 'garbage')]),
      { included: true },
    ],
    [
      'unparseable timestamp: an earlier-positioned untimed trigger loses',
      both,
      input([c(PICK_UP, 'garbage'), c(NEEDS_INPUT, '2026-01-01T00:00:00Z')]),
      { included: false },
    ],
    [
      'offsets are compared as instants and reported in UTC',
      both,
      input([c(NEEDS_INPUT, '2026-01-02T12:00:00Z'), c(PICK_UP, '2026-01-02T13:30:00+02:00')]),
      { included: false },
    ],
    [
      'trigger time keeps sub-second precision',
      { triggerComment: PICK_UP },
      input([c(PICK_UP, '2026-01-02T12:00:00.250+00:00')]),
      { included: true, triggerTime: '2026-01-02T12:00:00.25Z' },
    ],
    [
      'explicit positions order ties',
      both,
      { body: '', author: 'alice', comments: [{ ...c(NEEDS_INPUT, '2026-01-02T12:00:00Z'), position: 5 }, { ...c(PICK_UP, '2026-01-02T12:00:00Z'), position: 1 }] },
      { included: false },
    ],
  ];
  it.each(cases)('%s', (_name, policy, data, expected) => {
    expect(evaluateCommentPolicy(policy, data)).toEqual(expected);
  });
});

describe('unauthorized commands are ignored (Appendix B 2)', () => {
  const allowAlice: CommentPolicy = { ...both, allowedUsers: ['Alice '] };
  const cases: [string, CommentPolicy, CommentPolicyInput, { included: boolean; triggerTime?: string }][] = [
    [
      'a newer exclude from a non-allowed user does not override an allowed trigger',
      allowAlice,
      input([c(PICK_UP, '2026-01-02T12:00:00Z', 'alice'), c(NEEDS_INPUT, '2026-01-03T12:00:00Z', 'mallory')]),
      { included: true, triggerTime: '2026-01-02T12:00:00Z' },
    ],
    ['a trigger from a non-allowed user does not include', allowAlice, input([c(PICK_UP, '2026-01-02T12:00:00Z', 'mallory')]), { included: false }],
    ['allowedUsers match case-insensitively and trimmed', allowAlice, input([c(PICK_UP, '2026-01-02T12:00:00Z', 'ALICE')]), { included: true, triggerTime: '2026-01-02T12:00:00Z' }],
    ['body trigger counts when the author is authorized', { triggerComment: PICK_UP, allowedUsers: ['alice'] }, input([], PICK_UP, 'alice'), { included: true }],
    ['body trigger is ignored when the author is not authorized', { triggerComment: PICK_UP, allowedUsers: ['alice'] }, input([], PICK_UP, 'mallory'), { included: false }],
    ['body exclude is ignored when the author is not authorized', { excludeComments: [NEEDS_INPUT], allowedUsers: ['alice'] }, input([], NEEDS_INPUT, 'mallory'), { included: true }],
    ['a deleted (ghost) author is never authorized', { triggerComment: PICK_UP, allowedUsers: ['alice'] }, input([c(PICK_UP, '2026-01-02T12:00:00Z', '')]), { included: false }],
    ['blank allowedUsers entries configure nothing', { triggerComment: PICK_UP, allowedUsers: [' '] }, input([c(PICK_UP, '2026-01-02T12:00:00Z', 'mallory')]), { included: true, triggerTime: '2026-01-02T12:00:00Z' }],
  ];
  it.each(cases)('%s', (_name, policy, data, expected) => {
    expect(evaluateCommentPolicy(policy, data)).toEqual(expected);
  });
});

describe('authorization lookups feed the decision (Appendix B 3)', () => {
  const policy: CommentPolicy = { ...both, minimumPermission: 'write', allowedTeams: ['acme/maintainers'] };
  const lookups: Record<string, LoginLookups> = {
    writer: { permission: { found: { permission: 'write', role_name: 'write' } } },
    reader: { permission: { found: { permission: 'read', role_name: 'read' } }, teams: { 'acme/maintainers': { notFound: true } } },
    flaky: { permission: { error: 'GitHub API returned status 502' }, teams: { 'acme/maintainers': { error: 'timeout' } } },
    teamed: { permission: { error: 'GitHub API returned status 502' }, teams: { 'acme/maintainers': { found: { state: 'active' } } } },
  };
  const decide = authorizationDecider(policy, lookups);

  it.each([
    ['a writer trigger includes', [c(PICK_UP, '2026-01-02T12:00:00Z', 'writer')], { included: true, triggerTime: '2026-01-02T12:00:00Z' }],
    ['a reader exclude after a writer trigger is ignored', [c(PICK_UP, '2026-01-02T12:00:00Z', 'writer'), c(NEEDS_INPUT, '2026-01-03T12:00:00Z', 'reader')], { included: true, triggerTime: '2026-01-02T12:00:00Z' }],
    ['a team member is authorized despite a permission-API error', [c(PICK_UP, '2026-01-02T12:00:00Z', 'teamed')], { included: true, triggerTime: '2026-01-02T12:00:00Z' }],
    [
      'an unresolved lookup error fails the evaluation',
      [c(PICK_UP, '2026-01-02T12:00:00Z', 'writer'), c(NEEDS_INPUT, '2026-01-03T12:00:00Z', 'flaky')],
      { included: false, error: 'checking repository permission for "flaky": GitHub API returned status 502' },
    ],
    ['logins are looked up normalized', [c(PICK_UP, '2026-01-02T12:00:00Z', ' Writer')], { included: true, triggerTime: '2026-01-02T12:00:00Z' }],
  ])('%s', (_name, comments, expected) => {
    expect(evaluateCommentPolicy(policy, input(comments), decide)).toEqual(expected);
  });

  it('errors from logins whose comments carry no command do not matter', () => {
    expect(evaluateCommentPolicy(policy, input([c('looks good', '2026-01-02T12:00:00Z', 'flaky'), c(PICK_UP, '2026-01-03T12:00:00Z', 'writer')]), decide)).toEqual({
      included: true,
      triggerTime: '2026-01-03T12:00:00Z',
    });
  });

  it('a login named like an Object.prototype member is just a login', () => {
    expect(evaluateCommentPolicy(policy, input([c(PICK_UP, '2026-01-02T12:00:00Z', 'constructor')]), decide)).toEqual({
      included: false,
      error: 'repository permission for "constructor" was not looked up',
    });
  });

  it('a bare "error" decision still fails with a message naming the login', () => {
    const result = evaluateCommentPolicy(policy, input([c(PICK_UP, '2026-01-02T12:00:00Z', 'bob')]), () => 'error');
    expect(result).toEqual({ included: false, error: 'authorization lookup failed for "bob"' });
  });

  it('asks each login once per evaluation and never for allowed users', () => {
    const asked: string[] = [];
    const withUsers: CommentPolicy = { ...policy, allowedUsers: ['alice'] };
    const data = input([c(PICK_UP, '2026-01-02T12:00:00Z', 'bob'), c(NEEDS_INPUT, '2026-01-03T12:00:00Z', 'Bob'), c(PICK_UP, '2026-01-04T12:00:00Z', 'alice')], PICK_UP, 'bob');
    const result = evaluateCommentPolicy(withUsers, data, (login) => {
      asked.push(login);
      return 'denied';
    });
    expect(asked).toEqual(['bob']);
    expect(result).toEqual({ included: true, triggerTime: '2026-01-04T12:00:00Z' });
  });
});

describe('which logins need lookups', () => {
  const data = input(
    [c(PICK_UP, '2026-01-02T12:00:00Z', 'Bob'), c('no command', '2026-01-02T12:00:00Z', 'carol'), c(NEEDS_INPUT, '2026-01-02T12:00:00Z', 'alice'), c(PICK_UP, 'x', '')],
    `${PICK_UP}\n`,
    'dave',
  );
  it('command actors: the body author when the body has a command, plus commenting commanders', () => {
    expect(commandActors(both, data)).toEqual(['dave', 'bob', 'alice']);
    expect(commandActors(both, { ...data, body: 'plain' })).toEqual(['bob', 'alice']);
    expect(commandActors({ allowedUsers: ['x'] }, data)).toEqual([]);
  });
  it.each([
    ['no authorization rules: nobody', both, { logins: [], teams: [] }],
    ['allowedUsers only: nobody', { ...both, allowedUsers: ['alice'] }, { logins: [], teams: [] }],
    ['policy without commands: nobody', { minimumPermission: 'write' } as CommentPolicy, { logins: [], teams: [] }],
    [
      'permission and teams: everyone but allowed users',
      { ...both, allowedUsers: ['ALICE'], minimumPermission: 'triage', allowedTeams: ['acme/devs', ' acme / ops '] } as CommentPolicy,
      {
        logins: ['dave', 'bob'],
        minimumPermission: 'triage',
        teams: [
          { org: 'acme', slug: 'devs', key: 'acme/devs' },
          { org: 'acme', slug: 'ops', key: 'acme/ops' },
        ],
      },
    ],
  ])('%s', (_name, policy, expected) => {
    expect(authorizationNeeds(policy, commandActors(policy, data))).toEqual(expected);
  });
  it('the policy is on only with a trigger or an exclude command', () => {
    expect([commentPolicyEnabled(undefined), commentPolicyEnabled({}), commentPolicyEnabled({ excludeComments: [] }), commentPolicyEnabled({ triggerComment: '' })]).toEqual([false, false, false, false]);
    expect([commentPolicyEnabled({ triggerComment: PICK_UP }), commentPolicyEnabled({ excludeComments: [NEEDS_INPUT] })]).toEqual([true, true]);
  });
});
