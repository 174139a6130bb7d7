/**
 * One TaskRecord (src/budget/task-record.ts), held until its TTL runs out or `kelos delete taskrecord`; the record is
 * immutable, so there is nothing to apply. Started by the Task's own activity when it ends
 * (src/budget/budget-activities.ts), under the Task's UID, so a retried start finds the record already there.
 */
import { condition, setHandler } from '@temporalio/workflow';
import { recordExpiresAtMs } from './task-record';
import type { StoredResource } from '../store/stored-resource';
import { deleteResourceSignal, getResourceQuery } from '../store/resource-workflow';

export async function taskRecordWorkflow(record: StoredResource): Promise<void> {
  let deleted = false;
  setHandler(deleteResourceSignal, () => void (deleted = true));
  setHandler(getResourceQuery, () => record);
  // A durable timer: the record's history is these few events, however long it is kept. No TTL: kept until deleted.
  const remainingMs = recordExpiresAtMs(record) - Date.now();
  if (Number.isFinite(remainingMs)) await condition(() => deleted, Math.max(1, remainingMs));
  else await condition(() => deleted);
}
