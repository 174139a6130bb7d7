/** Every workflow type the kelos worker registers. */
export { taskWorkflow } from '../task/task-workflow';
export { taskCleanupWorkflow } from '../task/task-cleanup-workflow';
export { resourceWorkflow } from '../store/resource-workflow';
export { budgetWorkflow } from '../budget/budget-workflow';
export { taskRecordWorkflow } from '../budget/task-record-workflow';
export { spawnerWorkflow } from '../spawner/spawner-workflow';
export { branchLockWorkflow } from '../task/branch-lock/branch-lock-workflow';
