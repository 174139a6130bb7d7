/** commander helper for repeatable flags (`--env A=1 --env B=2`). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
