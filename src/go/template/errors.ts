/**
 * The one error type the engine throws. Its `message` is byte-for-byte what Go's text/template
 * returns (`template: NAME:LINE: ...` for parse errors, `template: NAME:LINE:COL: executing "NAME"
 * at <...>: ...` for execution errors), so callers can surface it unchanged; the structured fields
 * let a UI point at the template and position without re-parsing the message.
 */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  /** Name of the template being parsed or executed (the top-level name for parse errors). */
  readonly templateName: string;
  /** 1-based line, when known. */
  readonly line: number | undefined;
  /** 0-based byte column within the line, like Go's execution errors, when known. */
  readonly column: number | undefined;
  /** `parse`, `exec`, or `limit` (one of our own resource limits was hit). */
  readonly phase: 'parse' | 'exec' | 'limit';
  /** The message without the `template: ...:` location prefix. */
  readonly detail: string;

  constructor(args: {
    message: string;
    templateName: string;
    line?: number;
    column?: number;
    phase: 'parse' | 'exec' | 'limit';
    detail: string;
  }) {
    super(args.message);
    this.templateName = args.templateName;
    this.line = args.line;
    this.column = args.column;
    this.phase = args.phase;
    this.detail = args.detail;
  }
}
