/**
 * Test-only workflows: every kelos workflow, except that a spawner started with the first implementation's state
 * runs that implementation live (as a run begun by an older worker does once it reaches this code), so its
 * handover to the current spawner can be watched.
 */
import { legacySpawner } from '../../../src/spawner/legacy/legacy-spawner';
import { spawnerWorkflow as currentSpawner } from '../../../src/spawner/spawner-workflow';
import { isContinued, isLegacyState, type SpawnerInput } from '../../../src/spawner/spawner-state';

export { taskWorkflow, taskCleanupWorkflow, resourceWorkflow, branchLockWorkflow } from '../../../src/workflows';

export async function spawnerWorkflow(input: SpawnerInput) {
  if (isContinued(input) && input.state && isLegacyState(input.state)) return legacySpawner(input);
  return currentSpawner(input);
}
