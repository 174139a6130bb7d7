/**
 * Retrigger (kelos-behaviour §7.2): a finished Task blocks its item for good, except when the item carries a
 * trigger time (an authorized trigger comment, or a qualifying review with reviewState ≠ any) strictly newer
 * than the Task's completion. Body-only triggers have no time and never retrigger.
 */
import { isAfter } from '../../go';

export function shouldRetrigger(triggerTime: string | undefined, taskCompletionTime: string | undefined): boolean {
  return isAfter(triggerTime, taskCompletionTime);
}
