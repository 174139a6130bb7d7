/** Every workflow type the kelos worker registers. */
export { taskWorkflow } from './task-workflow';
export { taskCleanupWorkflow } from './task-cleanup-workflow';
export { resourceWorkflow } from './resource-workflow';
export { budgetWorkflow } from './budget-workflow';
export { taskRecordWorkflow } from './task-record-workflow';
export { spawnerWorkflow } from './spawner-workflow';
export { branchLockWorkflow } from './branch-lock-workflow';
