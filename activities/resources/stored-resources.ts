/** Reads what the system stores as entity workflows (Workspaces, AgentConfigs, WorkerPools, …; see api/stored-resource.ts). */
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { RESOURCE_MEMO_KEY, StoredKind, StoredResource, resourceWorkflowId } from '../../api/stored-resource';

/** The stored resource, or undefined when it was never applied or has been deleted. */
export async function readStoredResource(client: Client, kind: StoredKind, namespace: string, name: string): Promise<StoredResource | undefined> {
  try {
    const description = await client.workflow.getHandle(resourceWorkflowId(kind, namespace, name)).describe();
    if (description.status.name !== 'RUNNING' && description.status.name !== 'CONTINUED_AS_NEW') return undefined;
    return description.memo?.[RESOURCE_MEMO_KEY] as StoredResource | undefined;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
