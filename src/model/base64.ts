/**
 * Base64 (standard alphabet, padded, as Kubernetes encodes Secret `data`) and UTF-8 decoding without Buffer or
 * atob, so the resource model stays importable from workflow code.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUES: Readonly<Record<string, number>> = Object.fromEntries([...ALPHABET].map((c, i) => [c, i]));

/** Decodes standard padded base64; returns undefined for anything else. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = new Uint8Array((text.length / 4) * 3 - padding);
  let out = 0;
  for (let i = 0; i < text.length; i += 4) {
    const chunk =
      (VALUES[text[i]!]! << 18) |
      (VALUES[text[i + 1]!]! << 12) |
      ((VALUES[text[i + 2]!] ?? 0) << 6) |
      (VALUES[text[i + 3]!] ?? 0);
    for (const shift of [16, 8, 0]) if (out < bytes.length) bytes[out++] = (chunk >> shift) & 0xff;
  }
  return bytes;
}

/** UTF-8 to string; malformed sequences become U+FFFD, as TextDecoder does. */
export function decodeUtf8(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const first = bytes[i]!;
    const length = first < 0x80 ? 1 : first >= 0xf0 && first < 0xf8 ? 4 : first >= 0xe0 ? 3 : first >= 0xc2 ? 2 : 0;
    if (length === 1) {
      out += String.fromCharCode(first);
      i += 1;
      continue;
    }
    let codePoint = length === 0 ? -1 : first & (0xff >> (length + 1));
    for (let k = 1; k < length && codePoint >= 0; k++) {
      const next = bytes[i + k];
      codePoint = next !== undefined && (next & 0xc0) === 0x80 ? (codePoint << 6) | (next & 0x3f) : -1;
    }
    const minimum = length === 2 ? 0x80 : length === 3 ? 0x800 : 0x10000;
    if (codePoint < minimum || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) {
      out += '\ufffd';
      i += 1;
      continue;
    }
    out += String.fromCodePoint(codePoint);
    i += length;
  }
  return out;
}
