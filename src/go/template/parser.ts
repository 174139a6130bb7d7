/**
 * Recursive-descent parser producing Go's parse tree. It follows text/template/parse closely —
 * same three-token lookahead, same variable scoping, same `else if` / `else with` rewriting — because
 * the error messages users see (`template: NAME:LINE: unexpected "}" in operand`) depend on exactly
 * which token the parser was looking at when it gave up.
 */
import { TemplateError } from './errors';
import { goQuote } from './go-format';
import { LiteralError, parseGoFloat, parseGoInt, unquoteCharConstant, unquoteString } from './go-literals';
import { isKeyword, lex, Tok, type Token } from './lexer';
import {
  nodeToString,
  type ArgNode,
  type CommandNode,
  type ListNode,
  type Node,
  type NumberNode,
  type PipeNode,
  type TemplateNode,
  type Tree,
  type VariableNode,
} from './nodes';

/** Names of Go's builtin template functions (what `function %q not defined` checks against). */
export const BUILTIN_FUNCTION_NAMES: readonly string[] = [
  'and',
  'call',
  'html',
  'index',
  'slice',
  'js',
  'len',
  'not',
  'or',
  'print',
  'printf',
  'println',
  'urlquery',
  'eq',
  'ge',
  'gt',
  'le',
  'lt',
  'ne',
];

/** Pseudo-nodes for `{{end}}` / `{{else}}`; they never enter the tree. */
interface EndNode {
  type: 'end';
  pos: number;
}
interface ElseNode {
  type: 'else';
  pos: number;
  line: number;
}
type Parsed = Node | EndNode | ElseNode;

function parsedString(n: Parsed): string {
  if (n.type === 'end') return '{{end}}';
  if (n.type === 'else') return '{{else}}';
  return nodeToString(n);
}

/** Go's `%q`. */
const goQuoteShort = goQuote;

/** item.String() in Go's lexer: how tokens appear in "unexpected X" messages. */
function tokenString(t: Token): string {
  if (t.typ === Tok.EOF) return 'EOF';
  if (t.typ === Tok.Error) return t.val;
  if (isKeyword(t.typ)) return `<${t.val}>`;
  const runes = Array.from(t.val);
  if (runes.length > 10) return `${goQuoteShort(runes.slice(0, 10).join(''))}...`;
  return goQuoteShort(t.val);
}

/** Shared token source: nested trees (define/block) keep reading from the same lexer. */
class TokenStream {
  private i = 0;
  constructor(private readonly items: Token[]) {}
  nextItem(): Token {
    const t = this.items[Math.min(this.i, this.items.length - 1)];
    this.i++;
    return t;
  }
}

/** Parsing state of one tree; mirrors Go's parse.Tree fields used only while parsing. */
class TreeParser {
  root: ListNode | null = null;
  private token: Token[] = [];
  private peekCount = 0;
  private vars: string[] = ['$'];
  private actionLine = 0;
  private rangeDepth = 0;

  constructor(
    public name: string,
    private readonly ctx: ParseContext,
  ) {}

  // --- token buffer ---

  private next(): Token {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.ctx.stream.nextItem();
    return this.token[this.peekCount];
  }
  private backup(): void {
    this.peekCount++;
  }
  private backup2(t1: Token): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }
  private backup3(t2: Token, t1: Token): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }
  private peek(): Token {
    if (this.peekCount > 0) return this.token[this.peekCount - 1];
    this.peekCount = 1;
    this.token[0] = this.ctx.stream.nextItem();
    return this.token[0];
  }
  private nextNonSpace(): Token {
    let t: Token;
    do t = this.next();
    while (t.typ === Tok.Space);
    return t;
  }
  private peekNonSpace(): Token {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  // --- errors ---

  errorf(msg: string): never {
    const line = this.token[0]?.line ?? 1;
    throw new TemplateError({
      message: `template: ${this.ctx.parseName}:${line}: ${msg}`,
      templateName: this.ctx.parseName,
      line,
      phase: 'parse',
      detail: msg,
    });
  }

  private expect(expected: Tok, context: string): Token {
    const t = this.nextNonSpace();
    if (t.typ !== expected) this.unexpected(t, context);
    return t;
  }

  private expectOneOf(a: Tok, b: Tok, context: string): Token {
    const t = this.nextNonSpace();
    if (t.typ !== a && t.typ !== b) this.unexpected(t, context);
    return t;
  }

  private unexpected(t: Token, context: string): never {
    if (t.typ === Tok.Error) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== t.line) {
        extra = ` in action started at ${this.ctx.parseName}:${this.actionLine}`;
        if (t.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${tokenString(t)}${extra}`);
    }
    this.errorf(`unexpected ${tokenString(t)} in ${context}`);
  }

  private literal<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof LiteralError) this.errorf(e.message);
      throw e;
    }
  }

  // --- grammar ---

  /** Top level: text and actions, plus `{{define}}`, to EOF. */
  parse(): void {
    this.root = { type: 'List', pos: this.peek().pos, nodes: [] };
    while (this.peek().typ !== Tok.EOF) {
      if (this.peek().typ === Tok.LeftDelim) {
        const delim = this.next();
        if (this.nextNonSpace().typ === Tok.Define) {
          const def = new TreeParser('definition', this.ctx);
          def.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf(`unexpected ${parsedString(n)}`);
      this.root.nodes.push(n);
    }
  }

  parseDefinition(): void {
    const context = 'define clause';
    const name = this.expectOneOf(Tok.String, Tok.RawString, context);
    this.name = this.literal(() => unquoteString(name.val));
    this.expect(Tok.RightDelim, context);
    const [list, end] = this.itemList();
    this.root = list;
    if (end.type !== 'end') this.errorf(`unexpected ${parsedString(end)} in ${context}`);
    this.add();
  }

  /** Go's Tree.add: register in the set; an empty tree never replaces a non-empty one. */
  add(): void {
    const existing = this.ctx.trees.get(this.name);
    const root = this.root as ListNode;
    if (!existing || isEmptyTree(existing.root)) {
      this.ctx.trees.set(this.name, { name: this.name, parseName: this.ctx.parseName, root, text: this.ctx.text });
      return;
    }
    if (!isEmptyTree(root)) this.errorf(`template: multiple definition of template ${goQuoteShort(this.name)}`);
  }

  private itemList(): [ListNode, EndNode | ElseNode] {
    const list: ListNode = { type: 'List', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().typ !== Tok.EOF) {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Parsed {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case Tok.Text:
        return { type: 'Text', pos: t.pos, text: t.val };
      case Tok.LeftDelim: {
        this.actionLine = t.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      default:
        this.unexpected(t, 'input');
    }
  }

  private action(): Parsed {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case Tok.Block:
        return this.blockControl();
      case Tok.Break:
        return this.breakControl(t, 'Break');
      case Tok.Continue:
        return this.breakControl(t, 'Continue');
      case Tok.Else:
        return this.elseControl();
      case Tok.End:
        return { type: 'end', pos: this.expect(Tok.RightDelim, 'end').pos };
      case Tok.If:
        return { type: 'If', ...this.parseControl('if') };
      case Tok.Range:
        return { type: 'Range', ...this.parseControl('range') };
      case Tok.Template:
        return this.templateControl();
      case Tok.With:
        return { type: 'With', ...this.parseControl('with') };
    }
    this.backup();
    const tok = this.peek();
    return { type: 'Action', pos: tok.pos, line: tok.line, pipe: this.pipeline('command', Tok.RightDelim) };
  }

  private breakControl(kw: Token, kind: 'Break' | 'Continue'): Node {
    const word = kind === 'Break' ? 'break' : 'continue';
    const t = this.nextNonSpace();
    if (t.typ !== Tok.RightDelim) this.unexpected(t, `{{${word}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${word}}} outside {{range}}`);
    return { type: kind, pos: kw.pos, line: kw.line };
  }

  private elseControl(): ElseNode {
    const p = this.peekNonSpace();
    if (p.typ === Tok.If || p.typ === Tok.With) return { type: 'else', pos: p.pos, line: p.line };
    const t = this.expect(Tok.RightDelim, 'else');
    return { type: 'else', pos: t.pos, line: t.line };
  }

  private parseControl(context: 'if' | 'range' | 'with'): {
    pos: number;
    line: number;
    pipe: PipeNode;
    list: ListNode;
    elseList: ListNode | null;
  } {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, Tok.RightDelim);
      if (context === 'range') this.rangeDepth++;
      let list: ListNode;
      let next: EndNode | ElseNode;
      try {
        [list, next] = this.itemList();
      } finally {
        if (context === 'range') this.rangeDepth--;
      }
      let elseList: ListNode | null = null;
      if (next.type === 'else') {
        // `{{else if x}}` / `{{else with x}}` are parsed as `{{else}}{{if x}}...{{end}}{{end}}` with
        // the inner {{end}} shared, exactly as Go does.
        if (context === 'if' && this.peek().typ === Tok.If) {
          this.next();
          elseList = { type: 'List', pos: next.pos, nodes: [{ type: 'If', ...this.parseControl('if') }] };
        } else if (context === 'with' && this.peek().typ === Tok.With) {
          this.next();
          elseList = { type: 'List', pos: next.pos, nodes: [{ type: 'With', ...this.parseControl('with') }] };
        } else {
          const [el, end] = this.itemList();
          if (end.type !== 'end') this.errorf(`expected end; found ${parsedString(end)}`);
          elseList = el;
        }
      }
      return { pos: pipe.pos, line: pipe.line, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  private blockControl(): Node {
    const context = 'block clause';
    const t = this.nextNonSpace();
    const name = this.parseTemplateName(t, context);
    const pipe = this.pipeline(context, Tok.RightDelim);
    const block = new TreeParser(name, this.ctx);
    const [list, end] = block.itemList();
    block.root = list;
    if (end.type !== 'end') this.errorf(`unexpected ${parsedString(end)} in ${context}`);
    block.add();
    const node: TemplateNode = { type: 'Template', pos: t.pos, line: t.line, name, pipe };
    return node;
  }

  private templateControl(): Node {
    const context = 'template clause';
    const t = this.nextNonSpace();
    const name = this.parseTemplateName(t, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().typ !== Tok.RightDelim) {
      this.backup();
      pipe = this.pipeline(context, Tok.RightDelim);
    }
    return { type: 'Template', pos: t.pos, line: t.line, name, pipe };
  }

  private parseTemplateName(t: Token, context: string): string {
    if (t.typ === Tok.String || t.typ === Tok.RawString) return this.literal(() => unquoteString(t.val));
    this.unexpected(t, context);
  }

  private pipeline(context: string, end: Tok): PipeNode {
    const start = this.peekNonSpace();
    const pipe: PipeNode = { type: 'Pipe', pos: start.pos, line: start.line, isAssign: false, decl: [], cmds: [] };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== Tok.Variable) break;
      this.next();
      const tokenAfterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.typ === Tok.Assign || next.typ === Tok.Declare) {
        pipe.isAssign = next.typ === Tok.Assign;
        this.nextNonSpace();
        pipe.decl.push(newVariable(v.pos, v.val));
        this.vars.push(v.val);
      } else if (next.typ === Tok.Char && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(newVariable(v.pos, v.val));
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().typ;
          if (p === Tok.Variable || p === Tok.RightDelim || p === Tok.RightParen) continue decls;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      } else if (tokenAfterVariable.typ === Tok.Space) {
        this.backup3(v, tokenAfterVariable);
      } else {
        this.backup2(v);
      }
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.typ === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (t.typ) {
        case Tok.Bool:
        case Tok.CharConstant:
        case Tok.Complex:
        case Tok.Dot:
        case Tok.Field:
        case Tok.Identifier:
        case Tok.Number:
        case Tok.Nil:
        case Tok.RawString:
        case Tok.String:
        case Tok.Variable:
        case Tok.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0].type;
      if (t === 'Bool' || t === 'Dot' || t === 'Nil' || t === 'Number' || t === 'String') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'Command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.next();
      if (t.typ === Tok.Space) continue;
      if (t.typ === Tok.RightDelim || t.typ === Tok.RightParen) this.backup();
      else if (t.typ !== Tok.Pipe) this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | null {
    let node = this.term();
    if (!node) return null;
    if (this.peek().typ === Tok.Field) {
      const chainPos = this.peek().pos;
      const fields: string[] = [];
      while (this.peek().typ === Tok.Field) fields.push(this.next().val.slice(1));
      switch (node.type) {
        case 'Field':
          node = { type: 'Field', pos: chainPos, ident: [...node.ident, ...fields] };
          break;
        case 'Variable':
          node = { type: 'Variable', pos: chainPos, ident: [...node.ident, ...fields] };
          break;
        case 'Bool':
        case 'String':
        case 'Number':
        case 'Nil':
        case 'Dot':
          this.errorf(`unexpected . after term ${goQuoteShort(nodeToString(node))}`);
          break;
        default:
          node = { type: 'Chain', pos: chainPos, node, field: fields };
      }
    }
    return node;
  }

  private term(): ArgNode | null {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case Tok.Identifier:
        if (!this.ctx.hasFunction(t.val)) this.errorf(`function ${goQuoteShort(t.val)} not defined`);
        return { type: 'Identifier', pos: t.pos, ident: t.val };
      case Tok.Dot:
        return { type: 'Dot', pos: t.pos };
      case Tok.Nil:
        return { type: 'Nil', pos: t.pos };
      case Tok.Variable:
        return this.useVar(t.pos, t.val);
      case Tok.Field:
        return { type: 'Field', pos: t.pos, ident: t.val.slice(1).split('.') };
      case Tok.Bool:
        return { type: 'Bool', pos: t.pos, value: t.val === 'true' };
      case Tok.CharConstant:
      case Tok.Complex:
      case Tok.Number:
        return this.newNumber(t);
      case Tok.LeftParen:
        return this.pipeline('parenthesized pipeline', Tok.RightParen);
      case Tok.String:
      case Tok.RawString: {
        const text = this.literal(() => unquoteString(t.val));
        return { type: 'String', pos: t.pos, quoted: t.val, text };
      }
    }
    this.backup();
    return null;
  }

  private useVar(pos: number, name: string): VariableNode {
    const v = newVariable(pos, name);
    if (!this.vars.includes(v.ident[0])) this.errorf(`undefined variable ${goQuoteShort(v.ident[0])}`);
    return v;
  }

  private newNumber(t: Token): NumberNode {
    const text = t.val;
    const n: NumberNode = {
      type: 'Number',
      pos: t.pos,
      isInt: false,
      isUint: false,
      isFloat: false,
      isComplex: false,
      int: 0,
      float: 0,
      text,
    };
    if (t.typ === Tok.CharConstant) {
      const r = this.literal(() => unquoteCharConstant(text));
      return { ...n, isInt: true, isUint: true, isFloat: true, int: r, float: r };
    }
    if (t.typ === Tok.Complex || text.endsWith('i')) {
      // Complex constants parse in Go but have no JS representation; reject them clearly.
      return { ...n, isComplex: true };
    }
    const big = parseGoInt(text);
    const inInt64 = big !== null && big >= -(1n << 63n) && big < 1n << 63n;
    const inUint64 = big !== null && big >= 0n && big < 1n << 64n;
    if (big !== null && (inInt64 || inUint64)) {
      return {
        ...n,
        isInt: inInt64,
        isUint: inUint64,
        isFloat: true,
        int: Number(big),
        float: Number(big),
      };
    }
    const f = parseGoFloat(text);
    if (f !== null) {
      if (!/[.eEpP]/.test(text)) this.errorf(`integer overflow: ${goQuoteShort(text)}`);
      const integral = Number.isInteger(f);
      return {
        ...n,
        isFloat: true,
        float: f,
        isInt: integral && Math.abs(f) < 2 ** 63,
        isUint: integral && f >= 0 && f < 2 ** 64,
        int: integral ? f : 0,
      };
    }
    this.errorf(`illegal number syntax: ${goQuoteShort(text)}`);
  }
}

function newVariable(pos: number, ident: string): VariableNode {
  return { type: 'Variable', pos, ident: ident.split('.') };
}

/** Go's parse.IsEmptyTree: only whitespace text and comments. */
export function isEmptyTree(n: Node | null): boolean {
  if (!n) return true;
  switch (n.type) {
    case 'List':
      return n.nodes.every(isEmptyTree);
    case 'Text':
      return n.text.trim() === '';
    case 'Comment':
      return true;
    default:
      return false;
  }
}

interface ParseContext {
  stream: TokenStream;
  parseName: string;
  text: string;
  trees: Map<string, Tree>;
  hasFunction(name: string): boolean;
}

/**
 * Parses `text` as template `name`. Returns every tree it defines (the top-level one under `name`,
 * plus each `define`/`block`). Throws a {@link TemplateError} with Go's message on syntax errors.
 */
export function parseTrees(name: string, text: string, funcNames: readonly string[] = []): Map<string, Tree> {
  const all = new Set<string>([...BUILTIN_FUNCTION_NAMES, ...funcNames]);
  const hasFunction = (n: string): boolean => all.has(n);
  const stream = new TokenStream(lex(text, !hasFunction('break'), !hasFunction('continue')));
  const ctx: ParseContext = { stream, parseName: name, text, trees: new Map(), hasFunction };
  const top = new TreeParser(name, ctx);
  top.parse();
  top.add();
  return ctx.trees;
}
