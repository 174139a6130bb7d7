/**
 * Temporal wraps failures (ActivityFailure → ApplicationFailure, WorkflowUpdateFailedError → cause ...); the
 * innermost message with text is the one a user can act on.
 */
export function innermostMessage(err: unknown): string {
  let message = err instanceof Error ? err.message : String(err);
  let current: unknown = err;
  while (current && typeof current === 'object' && 'cause' in current && (current as { cause?: unknown }).cause) {
    current = (current as { cause?: unknown }).cause;
    if (current instanceof Error && current.message) message = current.message;
  }
  return message;
}
