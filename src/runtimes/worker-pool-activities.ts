/**
 * A pooled Task started by a spawner reads its WorkerPool here before its agent runs (the spawner's workflow code
 * cannot): the pool's worker block as the run's type, credentials, model, Workspace and the rest.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { UnsupportedTaskError, workerFields, type WorkerFields } from '../task/task-run-from-resource';
import { readStoredResource } from '../store/read-stored-resource';

export function createWorkerPoolActivities(deps: { client: Client }) {
  return {
    async readWorkerPool(input: { namespace: string; pool: string }): Promise<WorkerFields> {
      const pool = await readStoredResource(deps.client, 'WorkerPool', input.namespace, input.pool);
      // Retried a few times: a pool applied together with its spawner may take a moment to be stored.
      if (!pool) throw ApplicationFailure.retryable(`WorkerPool "${input.pool}" not found in namespace "${input.namespace}"`, 'WorkerPoolNotFound');
      try {
        return workerFields(pool.spec.worker);
      } catch (err) {
        if (err instanceof UnsupportedTaskError) throw ApplicationFailure.nonRetryable(`WorkerPool "${input.pool}": ${err.message}`, 'UnsupportedWorkerPool');
        throw err;
      }
    },
  };
}
