/**
 * The controller's Task events for each change of phase (src/clients/kube-controller/task-events.ts): none without a
 * change, a Running a status sync missed told before the end when a Pod was made, DependencyFailed only for a Task
 * failed by its dependencies before any Pod.
 */
import { taskPhaseEvents } from '../../src/clients/kube-controller/task-events';

const reasons = (previous: string | undefined, next: Parameters<typeof taskPhaseEvents>[1]) => taskPhaseEvents(previous, next).map((e) => `${e.type}/${e.reason}`);

test('no event while the phase stays, nor for Pending or Waiting', () => {
  expect(reasons('Running', { phase: 'Running', podName: 'p' })).toEqual([]);
  expect(reasons('Succeeded', { phase: 'Succeeded', outputs: ['x'] })).toEqual([]);
  expect(reasons('Pending', { phase: 'Waiting', message: 'Waiting for TaskBudget "b"' })).toEqual([]);
  expect(reasons(undefined, { phase: 'Pending' })).toEqual([]);
});

test('a run shorter than one sync: TaskRunning is told before its end when a Pod was made', () => {
  expect(reasons('Pending', { phase: 'Succeeded', podName: 'p', results: { pr: 'u' } })).toEqual(['Normal/TaskRunning', 'Normal/TaskSucceeded', 'Normal/OutputsCaptured']);
  expect(reasons('Running', { phase: 'Failed', podName: 'p', message: 'Task failed: the agent exited with code 1' })).toEqual(['Warning/TaskFailed']);
  expect(reasons('Pending', { phase: 'Failed', message: 'Task failed: Secret "x" not found' })).toEqual(['Warning/TaskFailed']);
});

test('a Task failed by its dependencies is DependencyFailed', () => {
  expect(reasons('Waiting', { phase: 'Failed', message: 'Dependency "build" failed' })).toEqual(['Warning/DependencyFailed']);
  expect(reasons('Pending', { phase: 'Failed', message: 'Circular dependency detected: a -> b -> a' })).toEqual(['Warning/DependencyFailed']);
});
