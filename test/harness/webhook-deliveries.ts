/**
 * Webhook deliveries as the bridge hands them to spawners, built from real `@octokit/webhooks-examples` payloads
 * (and hand-written Linear/generic bodies), for spawner tests that signal directly without HTTP.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import type { WebhookDelivery } from '../../src/sources/webhooks';
import { genericDelivery as buildGeneric, githubDelivery as buildGitHub, linearDelivery as buildLinear } from '../../src/clients/bridge/delivery-builder';

type Definition = { name: string; examples: Record<string, unknown>[] };
const definitions = require('@octokit/webhooks-examples/api.github.com/index.json') as Definition[];

/** A deep copy of the first example of `event` whose action is `action`. */
export function githubExample(event: string, action?: string): Record<string, any> {
  const examples = definitions.find((d) => d.name === event)?.examples ?? [];
  const found = examples.find((e) => action === undefined || e.action === action);
  if (!found) throw new Error(`no ${event}.${action} example in @octokit/webhooks-examples`);
  return structuredClone(found) as Record<string, any>;
}

/** The delivery the bridge would build for this body (src/clients/bridge/delivery-builder.ts). */
export function githubDelivery(event: string, payload: object, deliveryId: string = randomUUID()): WebhookDelivery {
  return buildGitHub({ rawBody: Buffer.from(JSON.stringify(payload)), body: payload, event, deliveryId });
}

export function linearDelivery(body: Record<string, unknown>, deliveryId: string = randomUUID()): WebhookDelivery {
  return buildLinear({ rawBody: Buffer.from(JSON.stringify(body)), body, deliveryId });
}

export function genericDelivery(source: string, body: unknown): WebhookDelivery {
  return buildGeneric({ rawBody: Buffer.from(JSON.stringify(body)), body, source });
}

/** A Linear Issue/Comment webhook body in Linear's documented shape. */
export function linearIssueBody(patch: { action?: string; type?: string; data?: Record<string, unknown> } = {}): Record<string, unknown> {
  return {
    action: patch.action ?? 'create',
    type: patch.type ?? 'Issue',
    createdAt: new Date().toISOString(),
    organizationId: 'f3d1c7e2-5b6a-4c8d-9e0f-1a2b3c4d5e6f',
    webhookId: '0b9c8d7e-6f5a-4b3c-2d1e-0f9a8b7c6d5e',
    webhookTimestamp: Date.now(),
    url: 'https://linear.app/acme/issue/ENG-42/fix-the-login-page',
    actor: { id: 'u-1', name: 'Ada', type: 'user' },
    data: {
      id: '9cfb482a-81e3-4154-b5b9-2c805e70a02d',
      identifier: 'ENG-42',
      title: 'Fix the login page',
      description: 'The login page throws on submit.',
      state: { id: 's-1', name: 'Todo', type: 'unstarted' },
      labels: [{ id: 'l-1', name: 'agent-task', color: '#bada55' }],
      ...(patch.data ?? {}),
    },
  };
}

/** A shared Kelos example manifest, made runnable here: the scripted test agent, no credentials, a local Workspace. */
export function exampleSpawner(relativePath: string, name: string, image: string, workspace: string): Record<string, any> {
  const file = path.resolve(__dirname, '../../../shared/fixtures/kelos-examples', relativePath);
  const doc = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))[0].toJSON() as Record<string, any>;
  doc.metadata.name = name;
  const template = doc.spec.taskTemplate;
  template.workspaceRef = { name: workspace };
  template.credentials = { type: 'none' };
  template.image = image;
  return doc;
}
