/**
 * A Task's TTL expiry, the part every runtime shares: its files on this worker's disk and its workflow execution go
 * (each only if it still belongs to the expiring run). A runtime removes what it made itself (a Pod) before this.
 */
import * as fs from 'node:fs';
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ExpireTaskInput } from './task-runtime';
import { taskFiles } from '../host/data-dir';
import { readIfExists } from '../host/files';

export async function expireTaskRun(client: Client, home: string, input: ExpireTaskInput): Promise<void> {
  const files = taskFiles(home, input.namespace, input.name);
  if (readIfExists(files.runIdFile) === input.runKey) fs.rmSync(files.dir, { recursive: true, force: true });
  try {
    await client.workflowService.deleteWorkflowExecution({
      namespace: client.options.namespace,
      workflowExecution: { workflowId: input.workflowId, runId: input.runKey },
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  // The server deletes asynchronously; the spawner is told the name is free only once it really is, or its
  // next start under that name would meet the old execution.
  for (let attempt = 0; await executionExists(client, input.workflowId, input.runKey); attempt += 1) {
    Context.current().heartbeat();
    await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 200 * 2 ** attempt)));
  }
}

async function executionExists(client: Client, workflowId: string, runId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId, runId).describe();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || /not ?found/i.test(String((err as Error).message));
}
