/** What a value costs in a Temporal payload: the UTF-8 bytes of its JSON (the default payload converter's encoding). */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}
