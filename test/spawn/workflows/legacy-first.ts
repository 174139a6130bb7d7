/**
 * Test-only workflows: every kelos workflow, except that a spawner started with the first implementation's state
 * runs that implementation live (as a run begun by an older worker does once it reaches this code), so its
 * handover to the current spawner can be watched.
 */
import { legacySpawner } from '../../../workflows/spawner/legacy-spawner';
import { spawnerWorkflow as currentSpawner } from '../../../workflows/spawner-workflow';
import { isContinued, isLegacyState, type SpawnerInput } from '../../../workflows/spawner/spawner-state';

export { taskWorkflow, taskCleanupWorkflow, resourceWorkflow, branchLockWorkflow } from '../../../workflows';

export async function spawnerWorkflow(input: SpawnerInput) {
  if (isContinued(input) && input.state && isLegacyState(input.state)) return legacySpawner(input);
  return currentSpawner(input);
}
