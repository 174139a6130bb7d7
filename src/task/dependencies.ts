/**
 * `dependsOn` (kelos-behaviour §4.7, §5.1): a Task waits until every named Task of its namespace has Succeeded,
 * fails as soon as one has Failed, and then renders its prompt as a template over the dependencies' results:
 * `{{index .Deps "scaffold" "Results" "branch"}}`. A prompt that does not render (a parse error, a missing key) is
 * used as written, as in Kelos. Pure: the Task workflow renders, the waiting is an activity.
 */
import { renderTemplate } from '../go';

export interface DependencyResult {
  outputs: string[];
  results: Record<string, string>;
}

/** What a wait on dependencies came to. `waiting` hands back the message to show while it goes on. */
export type DependencyWait =
  | { outcome: 'succeeded'; deps: Record<string, DependencyResult> }
  | { outcome: 'failed'; name: string }
  | { outcome: 'cycle'; path: string[] }
  | { outcome: 'waiting'; message: string };

export function dependencyPrompt(prompt: string, deps: Record<string, DependencyResult>): string {
  const data = { Deps: Object.fromEntries(Object.entries(deps).map(([name, dep]) => [name, { Name: name, Outputs: dep.outputs, Results: dep.results }])) };
  try {
    return renderTemplate(prompt, data, { name: 'prompt', missingKey: 'error' });
  } catch {
    return prompt;
  }
}

export function waitingForDependency(name: string, created: boolean): string {
  return created ? `Waiting for dependency "${name}"` : `Waiting for dependency "${name}" to be created`;
}

/** A path back to `self` through the dependsOn graph (`self -> a -> self`), if there is one. */
export function dependencyCycle(self: string, dependsOnOf: (name: string) => string[] | undefined): string[] | undefined {
  const visit = (name: string, path: string[], seen: Set<string>): string[] | undefined => {
    for (const next of dependsOnOf(name) ?? []) {
      if (next === self) return [...path, next];
      if (seen.has(next)) continue;
      seen.add(next);
      const found = visit(next, [...path, next], seen);
      if (found) return found;
    }
    return undefined;
  };
  return visit(self, [self], new Set([self]));
}
