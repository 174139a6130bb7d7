/** A JSONPath Kelos's generic webhooks could not parse (gval reports these as "parsing error: …"). */
export class JsonPathError extends Error {
  constructor(
    readonly path: string,
    /** What is wrong, e.g. `column 12: unexpected ">" …`, without the path. */
    readonly reason: string,
  ) {
    super(`invalid JSONPath ${JSON.stringify(path)}: ${reason}`);
    this.name = 'JsonPathError';
  }
}
