/** Pure webhook logic (GitHub, Linear, generic): facts, matching, work items, names. Safe in workflow code. */
export * from './github-event';
export * from './github-match';
export * from './github-work-item';
export * from './linear-webhook';
export * from './linear-work-item';
export * from './generic-webhook';
export * from './generic-work-item';
export * from './payload-budget';
export * from './task-name';
export * from './webhook-work-item';
export * from './delivery';
