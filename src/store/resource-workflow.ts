import { condition, continueAsNew, defineQuery, defineSignal, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
import { RESOURCE_MEMO_KEY, StoredResource } from './stored-resource';

export const applyResourceSignal = defineSignal<[StoredResource]>('applyResource');
export const deleteResourceSignal = defineSignal('deleteResource');
export const getResourceQuery = defineQuery<StoredResource>('getResource');

/**
 * Holds one Workspace or AgentConfig until it is deleted. `kelos apply` starts it with signal-with-start,
 * so applying works even while no worker runs; readers use the memo.
 */
export async function resourceWorkflow(initial: StoredResource): Promise<void> {
  let current = initial;
  let deleted = false;

  setHandler(applyResourceSignal, (resource) => {
    // Keep the first creation time: re-applying changes the spec, not the object's age.
    current = { ...resource, metadata: { ...resource.metadata, creationTimestamp: current.metadata.creationTimestamp } };
    upsertMemo({ [RESOURCE_MEMO_KEY]: current });
  });
  setHandler(deleteResourceSignal, () => {
    deleted = true;
  });
  setHandler(getResourceQuery, () => current);

  await condition(() => deleted || workflowInfo().continueAsNewSuggested);
  if (!deleted) await continueAsNew<typeof resourceWorkflow>(current);
}
