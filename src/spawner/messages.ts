/** Signals, updates and queries of the spawner workflow; imported by the Task workflow and by clients too. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SpawnerStatus } from './spawner-status';
import type { WorkItem } from '../sources/work-item';
import type { WebhookDelivery } from '../sources/webhooks/delivery';

export interface TaskFinished {
  name: string;
  phase: 'Succeeded' | 'Failed';
  completionTime: string;
}

/** A Task of this spawner reached a terminal phase (sent by the Task workflow): its slot is free. */
export const taskFinishedSignal = defineSignal<[TaskFinished]>('taskFinished');
/** A Task of this spawner was removed (TTL or delete): its item may spawn again. */
export const taskGoneSignal = defineSignal<[{ name: string; itemId?: string }]>('taskGone');
/** Work items sent straight to a spawner (tests and benchmarks; the bridge sends webhookDelivery). */
export const workItemsSignal = defineSignal<[WorkItem[]]>('workItems');
/** One verified delivery from the webhook bridge; the spawner filters it and deduplicates by delivery ID. */
export const webhookDeliverySignal = defineSignal<[WebhookDelivery]>('webhookDelivery');
/** `kelos delete taskspawner`: stop discovery and end the spawner; running Tasks finish on their own. */
export const deleteSpawnerSignal = defineSignal('deleteSpawner');

/** Re-applied manifest; the validator rejects a bad one synchronously, so `kelos apply` can report it. */
export const applyManifestUpdate = defineUpdate<SpawnerStatus, [Record<string, unknown>]>('applyManifest');
/** `kelos suspend|resume taskspawner`. */
export const setSuspendedUpdate = defineUpdate<SpawnerStatus, [boolean]>('setSuspended');

export const spawnerStatusQuery = defineQuery<SpawnerStatus>('spawnerStatus');
