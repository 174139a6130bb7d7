/**
 * Cutting text to a byte budget with a visible mark, for values that travel in Temporal payloads (poll answers,
 * agent outcomes): Temporal refuses a payload over 2 MiB, and a Task or spawner must not fail because a body or a
 * final response was long. The mark says how much was cut, so an agent reading its prompt or a person reading a
 * result knows the text is incomplete instead of taking a cut value for the whole one.
 *
 * Sizes are UTF-8 bytes; cuts fall between characters (never inside a surrogate pair), so the result stays valid
 * text that round-trips through JSON. Pure: safe in workflow code.
 */
import { utf8Length } from '../go';

/** What every kelos truncation mark contains, for tests and readers that look for one. */
export const TRUNCATION_MARK_TEXT = 'truncated by kelos';

/** `[… truncated by kelos: N more bytes]`: N bytes of the original were left out. */
export function truncationMark(moreBytes: number): string {
  return `[… ${TRUNCATION_MARK_TEXT}: ${moreBytes} more bytes]`;
}

/** A mark of its own for dropped lines; it has no ": ", so it never reads as a `key: value` result line. */
export function droppedLinesMark(moreLines: number): string {
  return `[… ${moreLines} more lines ${TRUNCATION_MARK_TEXT}]`;
}

/**
 * `text` itself when it fits `maxBytes`, else its longest prefix that fits together with `separator` and the mark.
 * When `maxBytes` cannot even hold the mark, the result is the mark alone (a little over `maxBytes`): a cut value
 * always says that it was cut.
 */
export function truncateText(text: string, maxBytes: number, separator = '\n\n'): string {
  return truncateMeasuredText(text, utf8Length(text), maxBytes, separator);
}

/** `truncateText` for a text whose UTF-8 size (`total`) is known: cutting a long text many times measures it once. */
export function truncateMeasuredText(text: string, total: number, maxBytes: number, separator = '\n\n'): string {
  if (total <= maxBytes) return text;
  // The mark for `total` is the longest the mark can be (the real count is smaller), so the prefix always fits.
  const room = maxBytes - utf8Length(separator) - utf8Length(truncationMark(total));
  const prefix = room > 0 ? utf8Prefix(text, room) : '';
  const mark = truncationMark(total - utf8Length(prefix));
  return prefix ? `${prefix}${separator}${mark}` : mark;
}

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that ends on a character boundary. */
export function utf8Prefix(text: string, maxBytes: number): string {
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const unit = text.charCodeAt(i);
    let width = 1;
    let units = 1;
    if (unit >= 0x80) width = unit < 0x800 ? 2 : 3;
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        width = 4;
        units = 2;
      }
    }
    if (bytes + width > maxBytes) break;
    bytes += width;
    i += units;
  }
  return text.slice(0, i);
}

/**
 * The largest cap in [0, upper] for which `fits(cap)` holds, or 0 when none does; `fits` must hold for every
 * cap below one it holds for. Capping every long value at one common size (rather than cutting the longest away
 * first) keeps the beginning of each: a body and its comments both stay readable.
 */
export function largestFittingCap(upper: number, fits: (cap: number) => boolean): number {
  if (fits(upper)) return upper;
  let low = 0;
  let high = upper;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle;
  }
  return low;
}
