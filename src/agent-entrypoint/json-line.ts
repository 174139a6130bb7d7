/**
 * Parses one JSON line the way kelos-capture does (Go's json.Decoder with UseNumber): numbers keep their source
 * text (so `0.0421275` is reported as written, not re-formatted), a duplicate key's last value wins, and anything
 * after the first complete value is ignored. JSON.parse cannot keep number text on Node 20, hence this parser.
 */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type JsonValue = string | boolean | null | JsonNumber | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

const MAX_DEPTH = 1000;

/** The line's top-level object, or undefined when the line is not a JSON object. */
export function parseJsonObjectLine(line: string): JsonObject | undefined {
  try {
    const parser = new Parser(line);
    const value = parser.value(0);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  value(depth: number): JsonValue {
    if (depth > MAX_DEPTH) throw new SyntaxError('nesting too deep');
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, value] of LITERALS) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    throw new SyntaxError(`unexpected character at ${this.pos}`);
  }

  private object(depth: number): JsonObject {
    const result: JsonObject = Object.create(null) as JsonObject;
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') throw new SyntaxError('expected a key');
      const key = this.string();
      this.skipSpace();
      this.expect(':');
      result[key] = this.value(depth + 1);
      this.skipSpace();
      if (this.text[this.pos] === ',') {
        this.pos++;
        continue;
      }
      this.expect('}');
      return result;
    }
  }

  private array(depth: number): JsonValue[] {
    const result: JsonValue[] = [];
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return result;
    }
    for (;;) {
      result.push(this.value(depth + 1));
      this.skipSpace();
      if (this.text[this.pos] === ',') {
        this.pos++;
        continue;
      }
      this.expect(']');
      return result;
    }
  }

  private string(): string {
    const start = this.pos;
    let i = start + 1;
    let escaped = false;
    for (; i < this.text.length; i++) {
      const code = this.text.charCodeAt(i);
      if (code === 0x22) break;
      if (code === 0x5c) {
        escaped = true;
        i++;
      } else if (code < 0x20) {
        throw new SyntaxError('control character in string');
      }
    }
    if (i >= this.text.length) throw new SyntaxError('unterminated string');
    this.pos = i + 1;
    // The common case has no escapes; otherwise the native parser decodes them (and rejects bad ones).
    return escaped ? (JSON.parse(this.text.slice(start, i + 1)) as string) : this.text.slice(start + 1, i);
  }

  private number(): JsonNumber {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) throw new SyntaxError('bad number');
    this.pos += match[0].length;
    return new JsonNumber(match[0]);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') return;
      this.pos++;
    }
  }

  private expect(c: string): void {
    if (this.text[this.pos] !== c) throw new SyntaxError(`expected ${c} at ${this.pos}`);
    this.pos++;
  }
}

const LITERALS: [string, JsonValue][] = [
  ['true', true],
  ['false', false],
  ['null', null],
];
const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
