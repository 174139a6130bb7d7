/** Thrown by commands that already printed their own explanation (e.g. a list of manifest errors). */
export class ExitError extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
    this.name = 'ExitError';
  }
}
