import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ALL_SEARCH_ATTRIBUTES, KelosPhase } from '../../src/store/search-attributes';
import { bundleWorkflows, connectTestEnv, uniqueTaskQueue, withWorker } from '../harness/temporal';
import { echoWorkflow } from './workflows/echo';

describe('the test dev server', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: { code: string };

  beforeAll(async () => {
    env = await connectTestEnv();
    workflowBundle = await bundleWorkflows(require.resolve('./workflows/echo'));
  });
  afterAll(async () => env?.teardown());

  it('has every kelos search attribute registered', async () => {
    const response = await env.connection.operatorService.listSearchAttributes({ namespace: env.namespace });
    const custom = Object.keys(response.customAttributes ?? {});
    for (const key of ALL_SEARCH_ATTRIBUTES) expect(custom).toContain(key.name);
  });

  it('runs bundled workflow code and indexes its search attributes', async () => {
    const taskQueue = uniqueTaskQueue('echo');
    const workflowId = `echo-${Date.now()}`;
    const result = await withWorker(env, { taskQueue, workflowBundle }, () =>
      env.client.workflow.execute(echoWorkflow, { taskQueue, workflowId, args: ['hello'] }),
    );
    expect(result).toBe('HELLO');
    const description = await env.client.workflow.getHandle(workflowId).describe();
    expect(description.typedSearchAttributes.get(KelosPhase)).toBe('Succeeded');
  });
});
