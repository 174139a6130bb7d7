/** Linear webhooks: extraction, matching (example 11), Comment label fallback and enrichment. */
import type { LinearWebhookSource } from '../../../src/model';
import {
  extractLinearEvent,
  linearFilterLabels,
  matchLinearWebhook,
  withLinearIssueLabels,
} from '../../../src/sources/webhooks/linear-webhook';
import { kelosSpawner } from './fixtures';

/** Written to Linear's documented EntityWebhookPayload shape (Issue data). */
function issuePayload(edit: { action?: string; state?: string; labels?: string[]; type?: string } = {}): Record<string, any> {
  return {
    action: edit.action ?? 'create',
    type: edit.type ?? 'Issue',
    actor: { id: 'user-1', name: 'Ada', type: 'user' },
    createdAt: '2026-02-07T09:00:00.000Z',
    url: 'https://linear.app/acme/issue/ENG-42/fix-login',
    organizationId: 'org-1',
    webhookId: 'wh-1',
    webhookTimestamp: 1770454800000,
    data: {
      id: '2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9',
      identifier: 'ENG-42',
      number: 42,
      title: 'Fix login',
      description: 'Users cannot log in',
      url: 'https://linear.app/acme/issue/ENG-42/fix-login',
      state: { id: 'st-1', name: edit.state ?? 'Todo', type: 'unstarted' },
      labels: (edit.labels ?? ['agent-task']).map((name, i) => ({ id: `lb-${i}`, name, color: '#fff' })),
      labelIds: [],
    },
  };
}

/** A Comment event: Linear sends the parent issue without its labels. */
function commentPayload(issueLabels?: string[]): Record<string, any> {
  return {
    action: 'create',
    type: 'Comment',
    createdAt: '2026-02-07T09:00:00.000Z',
    organizationId: 'org-1',
    webhookTimestamp: 1770454800000,
    data: {
      id: 'cm-1',
      body: '@agent please fix',
      issueId: 'is-9',
      issue: { id: 'is-9', title: 'Fix login', ...(issueLabels ? { labels: issueLabels.map((name) => ({ name })) } : {}) },
    },
  };
}

describe('extractLinearEvent', () => {
  it('reads type, action, id, title, state and labels', () => {
    expect(extractLinearEvent(issuePayload({ labels: ['agent-task', 'Bug'] }))).toMatchObject({
      type: 'Issue',
      action: 'create',
      id: '2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9',
      title: 'Fix login',
      state: 'Todo',
      labels: ['agent-task', 'Bug'],
      issueId: '',
    });
  });

  it('Comment: IssueID is the parent issue, numbers print without decimals', () => {
    expect(extractLinearEvent(commentPayload()).issueId).toBe('is-9');
    const numeric = commentPayload();
    numeric.data.issue.id = 1234567;
    expect(extractLinearEvent(numeric).issueId).toBe('1234567');
  });

  it('tolerates a body without data', () => {
    expect(extractLinearEvent({ type: 'Issue' })).toMatchObject({ type: 'Issue', id: '', labels: [], state: '' });
  });
});

describe('matchLinearWebhook', () => {
  const example11 = () => kelosSpawner('11-taskspawner-linear-webhook/taskspawner.yaml').spec.when.linearWebhook!;

  it.each<[string, Record<string, any>, boolean]>([
    ['create, Todo, agent-task', issuePayload(), true],
    ['update, In Progress, agent-task', issuePayload({ action: 'update', state: 'In Progress' }), true],
    ['state and labels compare case-insensitively', issuePayload({ state: 'in progress', labels: ['Agent-Task'] }), true],
    ['action compares case-insensitively', issuePayload({ action: 'Create' }), true],
    ['remove action is not in any filter', issuePayload({ action: 'remove' }), false],
    ['Done state', issuePayload({ state: 'Done' }), false],
    ['missing required label', issuePayload({ labels: ['bug'] }), false],
    ['excluded label', issuePayload({ labels: ['agent-task', 'No-Automation'] }), false],
    ['type compares case-insensitively', issuePayload({ type: 'issue' }), true],
    ['Comment is not a listed type', commentPayload(['agent-task']), false],
  ])('example 11: %s → %s', (_, payload, expected) => {
    expect(matchLinearWebhook(example11(), extractLinearEvent(payload)).matched).toBe(expected);
  });

  it('no filters: every listed type matches', () => {
    expect(matchLinearWebhook({ types: ['Issue', 'Comment'] }, extractLinearEvent(commentPayload())).matched).toBe(true);
  });

  it('filters scoped to another type are skipped; untyped filters apply', () => {
    const source: LinearWebhookSource = { types: ['Issue', 'Comment'], filters: [{ type: 'comment', action: 'create' }] };
    expect(matchLinearWebhook(source, extractLinearEvent(commentPayload())).matched).toBe(true);
    expect(matchLinearWebhook(source, extractLinearEvent(issuePayload())).matched).toBe(false);
    expect(matchLinearWebhook({ ...source, filters: [{ action: 'create' }] }, extractLinearEvent(issuePayload())).matched).toBe(true);
  });

  it('Comment labels fall back to data.issue.labels', () => {
    const facts = extractLinearEvent(commentPayload(['agent-task']));
    expect(linearFilterLabels(facts)).toEqual(['agent-task']);
    expect(matchLinearWebhook({ types: ['Comment'], filters: [{ labels: ['AGENT-TASK'] }] }, facts)).toEqual({ matched: true });
  });

  it('Comment without labels asks for enrichment; unenriched, required labels fail and exclude-only passes', () => {
    const facts = extractLinearEvent(commentPayload());
    const required: LinearWebhookSource = { types: ['Comment'], filters: [{ labels: ['agent-task'] }] };
    const excludeOnly: LinearWebhookSource = { types: ['Comment'], filters: [{ excludeLabels: ['no-automation'] }] };
    expect(matchLinearWebhook(required, facts)).toMatchObject({ matched: false, needsLabelEnrichment: true });
    expect(matchLinearWebhook(excludeOnly, facts)).toMatchObject({ matched: true, needsLabelEnrichment: true });
    expect(matchLinearWebhook(required, facts, ['Agent-Task'])).toEqual({ matched: true });
    expect(matchLinearWebhook(excludeOnly, facts, ['no-automation'])).toMatchObject({ matched: false });
    expect(matchLinearWebhook(required, facts, [])).toMatchObject({ matched: false });
    expect(matchLinearWebhook(required, facts, [])).not.toHaveProperty('needsLabelEnrichment');
  });

  it('does not ask for enrichment when labels are present, the type is not Comment, or no filter uses labels', () => {
    const labelled = extractLinearEvent(commentPayload(['x']));
    expect(matchLinearWebhook({ types: ['Comment'], filters: [{ labels: ['x'] }] }, labelled)).not.toHaveProperty('needsLabelEnrichment');
    expect(matchLinearWebhook({ types: ['Comment'], filters: [{ action: 'create' }] }, extractLinearEvent(commentPayload()))).not.toHaveProperty(
      'needsLabelEnrichment',
    );
    expect(matchLinearWebhook({ types: ['Comment'], filters: [{ type: 'Issue', labels: ['x'] }] }, extractLinearEvent(commentPayload()))).not.toHaveProperty(
      'needsLabelEnrichment',
    );
  });

  it('enriched labels land in data.issue.labels and Labels', () => {
    const facts = withLinearIssueLabels(extractLinearEvent(commentPayload()), ['agent-task', 'p1']);
    expect(facts.labels).toEqual(['agent-task', 'p1']);
    expect((facts.payload.data as any).issue.labels).toEqual([{ name: 'agent-task' }, { name: 'p1' }]);
    expect(matchLinearWebhook({ types: ['Comment'], filters: [{ labels: ['p1'] }] }, facts)).toEqual({ matched: true });
  });
});
