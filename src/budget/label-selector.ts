/**
 * Kubernetes label-selector matching (matchLabels AND each matchExpressions requirement), for TaskBudget's
 * taskSelector. Written here because the selector logic of @kubernetes/client-node is not exported, and this is
 * the whole of it; deterministic, so workflows may use it.
 */
import type { LabelSelector } from '../model/types';

export function selectorMatches(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (have[key] !== value) return false;
  for (const requirement of selector.matchExpressions ?? []) {
    const present = Object.prototype.hasOwnProperty.call(have, requirement.key);
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case 'In':
        if (!present || !values.includes(have[requirement.key])) return false;
        break;
      case 'NotIn':
        if (present && values.includes(have[requirement.key])) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
    }
  }
  return true;
}
