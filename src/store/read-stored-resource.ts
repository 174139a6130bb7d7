/** Reads what the system stores as entity workflows (Workspaces, AgentConfigs, WorkerPools, …; see src/store/stored-resource.ts). */
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { RESOURCE_MEMO_KEY, StoredKind, StoredResourceOf, resourceWorkflowId } from './stored-resource';

/** The stored resource, or undefined when it was never applied or has been deleted. */
export async function readStoredResource<K extends StoredKind>(client: Client, kind: K, namespace: string, name: string): Promise<StoredResourceOf<K> | undefined> {
  try {
    const description = await client.workflow.getHandle(resourceWorkflowId(kind, namespace, name)).describe();
    if (description.status.name !== 'RUNNING' && description.status.name !== 'CONTINUED_AS_NEW') return undefined;
    return description.memo?.[RESOURCE_MEMO_KEY] as StoredResourceOf<K> | undefined;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
