/**
 * Deterministic random template generator for differential testing. A seeded PRNG (mulberry32)
 * combines fields, literals, variables, builtin calls, pipelines, printf verbs, trim markers and
 * if/with/range/else/break/continue/define blocks. Most outputs are valid templates; some are
 * deliberately wrong (undeclared variables, bad arity, type errors) so error paths are compared too.
 */

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const GENERATOR_DATA = {
  S: 'hello',
  E: '',
  U: 'héllo ✓',
  N: 7,
  Z: 0,
  Neg: -3,
  F: 2.5,
  Big: 1234567,
  B: true,
  BF: false,
  Nil: null,
  L: ['a', 'b', 'c'],
  LE: [],
  LN: [3, 1, 2],
  M: { b: 'two', a: 'one', c: 'three' },
  ME: {},
  Nested: { A: { B: { C: 'deep' } }, List: [{ Name: 'n1', V: 1 }, { Name: 'n2', V: 0 }] },
};

const FIELDS = [
  '.S', '.E', '.U', '.N', '.Z', '.Neg', '.F', '.Big', '.B', '.BF', '.Nil', '.L', '.LE', '.LN', '.M', '.ME',
  '.M.a', '.M.c', '.Nested.A.B.C', '.Nested.List', '.Nested.A', '.', '$', '.Missing', '.S.X',
];
const SAFE_FIELDS = ['.S', '.E', '.U', '.N', '.Z', '.F', '.B', '.BF', '.L', '.LE', '.LN', '.M', '.ME', '.M.a', '.Nested.A.B.C', '.Nested.List', '.', '$'];
const STRING_FIELDS = ['.S', '.E', '.U', '.M.a', '.Nested.A.B.C'];
const FLOAT_FIELDS = ['.N', '.Z', '.Neg', '.F', '.Big'];
const STRINGS = ['"a"', '"b"', '""', '"hello"', '"%d"', '"x y"', '`raw`', '"é"', '"<&>"'];
const INTS = ['0', '1', '2', '-1', '3', '10', "'a'", '0x10'];
const FLOATS = ['1.5', '2.0', '0.1', '1e3', '-2.5', '1e6', '0.00001'];
const FUNCS: Array<[string, number, number]> = [
  // name, min args, max args
  ['len', 1, 1], ['index', 1, 3], ['slice', 1, 3], ['eq', 2, 3], ['ne', 2, 2], ['lt', 2, 2], ['le', 2, 2],
  ['gt', 2, 2], ['ge', 2, 2], ['and', 1, 3], ['or', 1, 3], ['not', 1, 1], ['print', 0, 3], ['println', 0, 2],
  ['html', 1, 2], ['js', 1, 2], ['urlquery', 1, 2],
];
const VERBS = ['%v', '%d', '%s', '%q', '%x', '%t', '%f', '%.2f', '%5d', '%-4s|', '%05d', '%e', '%g', '%+v', '%T', '%%', '%c'];
const TEXTS = ['', ' ', 'x', '\n', ' - ', '\n  ', 'a\tb', ';'];

export class TemplateGenerator {
  private vars: string[][] = [['$']];
  private rangeDepth = 0;
  private varCounter = 0;

  /**
   * `safe` mode mostly produces templates that execute: no missing fields or undeclared variables,
   * and comparisons between operands of one kind (strings, or float64s — data numbers are float64).
   */
  constructor(
    private readonly rnd: () => number,
    private readonly safe = false,
  ) {}

  private int(n: number): number {
    return Math.floor(this.rnd() * n);
  }
  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  private chance(p: number): boolean {
    return this.rnd() < p;
  }

  private visibleVars(): string[] {
    return this.vars.flat();
  }

  private operand(depth: number): string {
    if (this.safe) return this.safeOperand(depth);
    const r = this.rnd();
    if (r < 0.4) return this.pick(FIELDS);
    if (r < 0.5) return this.pick(STRINGS);
    if (r < 0.6) return this.pick(INTS);
    if (r < 0.66) return this.pick(FLOATS);
    if (r < 0.7) return this.pick(['true', 'false', 'nil']);
    if (r < 0.8) {
      const vs = this.visibleVars();
      const v = this.chance(0.05) ? '$undeclared' : this.pick(vs);
      return this.chance(0.2) ? `${v}.a` : v;
    }
    if (depth <= 0) return this.pick(FIELDS);
    return `(${this.command(depth - 1)})`;
  }

  private safeOperand(depth: number): string {
    const r = this.rnd();
    if (r < 0.5) return this.pick(SAFE_FIELDS);
    if (r < 0.65) return this.pick(STRINGS);
    if (r < 0.75) return this.pick(FLOATS);
    if (r < 0.85) return this.pick(this.visibleVars());
    if (depth <= 0) return this.pick(SAFE_FIELDS);
    return `(${this.command(depth - 1)})`;
  }

  private comparison(): string {
    const name = this.pick(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);
    const pool = this.chance(0.5) ? [...STRING_FIELDS, ...STRINGS] : [...FLOAT_FIELDS, ...FLOATS];
    const n = name === 'eq' ? 2 + this.int(2) : 2;
    return [name, ...Array.from({ length: n }, () => this.pick(pool))].join(' ');
  }

  private command(depth: number): string {
    if (this.safe && this.chance(0.25)) return this.comparison();
    if (this.chance(0.15)) {
      const n = 1 + this.int(3);
      const fmt = Array.from({ length: n }, () => this.pick(VERBS)).join(this.pick(['', ' ', '-']));
      const args = Array.from({ length: n + (this.chance(0.1) ? 1 : 0) - (this.chance(0.1) ? 1 : 0) }, () =>
        this.operand(depth),
      );
      return ['printf', JSON.stringify(fmt), ...args].join(' ');
    }
    if (this.chance(0.35)) return this.operand(depth);
    const [name, min, max] = this.pick(FUNCS);
    let n = min + this.int(max - min + 1);
    if (!this.safe && this.chance(0.05)) n = Math.max(0, n + (this.chance(0.5) ? 1 : -1));
    return [name, ...Array.from({ length: n }, () => this.operand(depth))].join(' ');
  }

  private pipeline(depth: number): string {
    let p = this.command(depth);
    if (this.chance(0.2)) {
      const [name] = this.pick(FUNCS.filter(([, , max]) => max >= 1));
      p += ` | ${name === 'printf' ? 'printf "%v"' : name}`;
      if (this.chance(0.3)) p += ' ' + this.operand(0);
    }
    return p;
  }

  private newVar(): string {
    return `$v${this.varCounter++}`;
  }

  private open(): string {
    return this.chance(0.15) ? '{{- ' : '{{';
  }
  private close(): string {
    return this.chance(0.15) ? ' -}}' : '}}';
  }

  private list(depth: number): string {
    const n = 1 + this.int(3);
    let s = '';
    for (let i = 0; i < n; i++) s += this.item(depth);
    return s;
  }

  private block(kind: 'if' | 'with' | 'range', depth: number): string {
    let head = this.pipeline(1);
    this.vars.push([]);
    if (kind === 'range' && this.chance(0.4)) {
      const a = this.newVar();
      const b = this.newVar();
      head = this.chance(0.5) ? `${a}, ${b} := ${head}` : `${a} := ${head}`;
      this.vars[this.vars.length - 1].push(a, b);
    } else if (kind !== 'range' && this.chance(0.15)) {
      const a = this.newVar();
      head = `${a} := ${head}`;
      this.vars[this.vars.length - 1].push(a);
    }
    if (kind === 'range') this.rangeDepth++;
    let s = `${this.open()}${kind} ${head}${this.close()}${this.list(depth - 1)}`;
    if (kind === 'range') this.rangeDepth--;
    if (this.chance(0.4)) {
      if (kind !== 'range' && this.chance(0.4)) {
        s += `${this.open()}else ${kind} ${this.pipeline(1)}${this.close()}${this.list(depth - 1)}`;
      }
      if (this.chance(0.7)) s += `${this.open()}else${this.close()}${this.list(depth - 1)}`;
    }
    this.vars.pop();
    return s + `${this.open()}end${this.close()}`;
  }

  private item(depth: number): string {
    const r = this.rnd();
    if (r < 0.25) return this.pick(TEXTS);
    if (r < 0.55 || depth <= 0) return `${this.open()}${this.pipeline(2)}${this.close()}`;
    if (r < 0.6) {
      const v = this.newVar();
      const s = `${this.open()}${v} := ${this.pipeline(1)}${this.close()}`;
      this.vars[this.vars.length - 1].push(v);
      return s;
    }
    if (r < 0.63 && this.visibleVars().length > 1) {
      return `${this.open()}${this.pick(this.visibleVars().slice(1))} = ${this.pipeline(1)}${this.close()}`;
    }
    if (r < 0.75) return this.block('if', depth);
    if (r < 0.85) return this.block('with', depth);
    if (r < 0.95) return this.block('range', depth);
    if (this.rangeDepth > 0) return this.chance(0.5) ? '{{break}}' : '{{continue}}';
    return `{{/* ${this.pick(TEXTS)} */}}`;
  }

  template(): string {
    this.vars = [['$']];
    this.rangeDepth = 0;
    this.varCounter = 0;
    let s = this.list(3);
    if (this.chance(0.1)) s = `{{define "sub"}}[{{.}}]{{end}}${s}{{template "sub" ${this.operand(0)}}}`;
    return s;
  }
}

/** `count` generated templates from `seed` (same seed, same templates). */
export function generateTemplates(seed: number, count: number, safe = false): string[] {
  const g = new TemplateGenerator(mulberry32(seed), safe);
  return Array.from({ length: count }, () => g.template());
}
