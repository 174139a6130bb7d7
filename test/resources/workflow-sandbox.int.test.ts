/**
 * The resource model is pure: it bundles into workflow code and parses, validates and normalises inside the
 * Temporal workflow sandbox exactly as it does in Node.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { parseManifests, toKelosObject } from '../../src/model';
import { bundleWorkflows, connectTestEnv, uniqueTaskQueue, withWorker } from '../harness/temporal';
import { parseInWorkflow } from './workflows/parse-in-workflow';

const MANIFESTS = `apiVersion: kelos.dev/v1alpha1
kind: TaskSpawner
metadata: {name: legacy}
spec:
  pollInterval: 1h30m
  when:
    githubPullRequests: {triggerComment: /review}
  taskTemplate:
    type: claude-code
    credentials: {type: oauth, secretRef: {name: c}}
    workspaceRef: {name: ws}
---
apiVersion: v1
kind: Secret
metadata: {name: c}
data: {CLAUDE_CODE_OAUTH_TOKEN: dG9rZW4tw6k=}
---
apiVersion: kelos.dev/v1alpha2
kind: Session
metadata: {name: b}
---
apiVersion: kelos.dev/v1alpha2
kind: Workspace
metadata: {name: ws}
spec: {repo: nope}
`;

describe('resource model in the workflow sandbox', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: { code: string };

  beforeAll(async () => {
    env = await connectTestEnv();
    workflowBundle = await bundleWorkflows(require.resolve('./workflows/parse-in-workflow'));
  });
  afterAll(async () => env?.teardown());

  it('gives the same result inside a workflow as in Node', async () => {
    const taskQueue = uniqueTaskQueue('resources');
    const inWorkflow = await withWorker(env, { taskQueue, workflowBundle }, () =>
      env.client.workflow.execute(parseInWorkflow, {
        taskQueue,
        workflowId: `parse-${Date.now()}`,
        args: [MANIFESTS, 'mixed.yaml'],
      }),
    );
    const inNode = parseManifests(MANIFESTS, 'mixed.yaml');
    expect(inWorkflow).toEqual({
      objects: inNode.resources.map(toKelosObject),
      errors: inNode.errors.map(String),
      unsupported: inNode.unsupported.map(String),
    });
    expect(inWorkflow.errors).toEqual(['mixed.yaml#4 spec.repo: must match ^(https?://|git://|git@|file://).* (got "nope")']);
    expect(inWorkflow.objects[1]).toMatchObject({ stringData: { CLAUDE_CODE_OAUTH_TOKEN: 'token-é' } });
    expect(inWorkflow.objects[0]).toMatchObject({
      spec: { when: { githubPullRequests: { pollInterval: '1h30m', commentPolicy: { triggerComment: '/review' } } } },
    });
  });
});
