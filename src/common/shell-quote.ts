/** POSIX single-quoting for values spliced into `sh -c` scripts. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
