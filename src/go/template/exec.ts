/**
 * Executes parse trees with Go's text/template semantics (exec.go): truthiness, variable scoping,
 * `range` over slices / maps (sorted keys) / integers with `break`/`continue`, `with`/`else with`,
 * template invocation, `missingkey` modes, and Go's error texts and positions
 * (`template: NAME:LINE:COL: executing "NAME" at <NODE>: ...`).
 *
 * Additions that Go does not have (each can be switched off):
 *  - field aliases: on a map without the exact key, `.PullRequest` / `.HTMLURL` / `.GetHead` also
 *    find `pull_request` / `html_url` / `head` (Kelos users write GitHub templates against go-github
 *    structs while we hold the JSON);
 *  - resource limits on output size, range iterations and template call depth.
 *
 * Pure: no I/O, no clocks, no randomness, so it is safe inside Temporal workflow code.
 */
import {
  BUILTINS,
  CallError,
  callFunction,
  indirectInterface,
  INVALID,
  invokeUserFunction,
  isValid,
  truth,
  val,
  valTypeName,
  type Signature,
  type Val,
} from './builtins';
import { TemplateError } from './errors';
import { goFormatValue, goQuote, goSprint } from './go-format';
import { nodeToString, type ArgNode, type ChainNode, type CommandNode, type FieldNode, type IdentifierNode, type ListNode, type Node, type NumberNode, type PipeNode, type RangeNode, type TemplateNode, type Tree, type VariableNode } from './nodes';
import { utf8Length } from '../utf8';
import { GoFloat64, hasKey, Kind, kindOf, mapKeys, numberOf } from './values';

export type MissingKey = 'default' | 'zero' | 'error';

/** A user function callable from templates. Arguments arrive as plain JS values (see values.ts). */
export type TemplateFunction = (...args: any[]) => unknown;

export interface ExecOptions {
  /** What a missing map key yields: `<no value>` (default), the zero value, or an error (Kelos). */
  missingKey: MissingKey;
  /** Output larger than this many UTF-8 bytes aborts execution. */
  maxOutputBytes: number;
  /** Total `range` iterations (all loops together) allowed in one execution. */
  maxIterations: number;
  /** Maximum nesting of `{{template}}` calls. */
  maxTemplateDepth: number;
  /** Resolve Go-style field names against snake_case JSON keys (see module doc). */
  fieldAliases: boolean;
  funcs: Readonly<Record<string, TemplateFunction>>;
}

const MISSING: Val = Object.freeze({ v: Symbol('missing'), iface: false });

/** Thrown by `{{break}}` / `{{continue}}` and caught by the enclosing range. */
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');

interface Variable {
  name: string;
  value: Val;
}

function normaliseKey(k: string): string {
  return k.toLowerCase().replace(/_/g, '');
}

/**
 * Map lookup with the alias fallback: exact key, else a key equal after lower-casing and removing
 * `_`, else (for `GetXxx`) the same for `Xxx`. Among several matches the smallest key wins, so the
 * result does not depend on object insertion order.
 */
export function lookupField(m: Record<string, unknown>, name: string, aliases: boolean): { found: boolean; value: unknown } {
  if (hasKey(m, name)) return { found: true, value: m[name] };
  if (!aliases) return { found: false, value: undefined };
  const tryNorm = (wanted: string): { found: boolean; value: unknown } => {
    for (const k of mapKeys(m)) if (normaliseKey(k) === wanted) return { found: true, value: m[k] };
    return { found: false, value: undefined };
  };
  const direct = tryNorm(normaliseKey(name));
  if (direct.found) return direct;
  if (/^Get[A-Z0-9_]/.test(name)) return tryNorm(normaliseKey(name.slice(3)));
  return { found: false, value: undefined };
}

/** Byte offset → "LINE:COL" as Go's ErrorContext computes it (COL is a 0-based byte offset). */
function location(text: string, pos: number): { line: number; col: number } {
  const before = text.slice(0, pos);
  const nl = before.lastIndexOf('\n');
  const line = 1 + (before.match(/\n/g)?.length ?? 0);
  const col = nl === -1 ? utf8Length(before) : utf8Length(before.slice(nl + 1));
  return { line, col };
}

export class Executor {
  private out: string[] = [];
  private outBytes = 0;
  private iterations = 0;

  constructor(
    private readonly trees: ReadonlyMap<string, Tree>,
    private readonly opts: ExecOptions,
  ) {}

  execute(name: string, data: unknown): string {
    const tree = this.trees.get(name);
    const dot = val(data === null ? undefined : data);
    const state = new State(this, tree ?? null, name, [{ name: '$', value: dot }], 0);
    if (!tree) state.errorf(`${goQuote(name)} is an incomplete or empty template`);
    state.walk(dot, (tree as Tree).root);
    return this.out.join('');
  }

  // --- shared by all States of one execution ---

  write(s: string, state: State): void {
    if (s.length === 0) return;
    this.outBytes += utf8Length(s);
    if (this.outBytes > this.opts.maxOutputBytes) {
      state.limitError(`output exceeds the limit of ${this.opts.maxOutputBytes} bytes`);
    }
    this.out.push(s);
  }

  countIteration(state: State): void {
    if (++this.iterations > this.opts.maxIterations) {
      state.limitError(`range iterations exceed the limit of ${this.opts.maxIterations}`);
    }
  }

  lookupTemplate(name: string): Tree | undefined {
    return this.trees.get(name);
  }

  get options(): ExecOptions {
    return this.opts;
  }
}

/** Per-template execution state (Go's `state`): current template, variables, current node. */
class State {
  private node: Node | null = null;

  constructor(
    private readonly ex: Executor,
    private readonly tree: Tree | null,
    private readonly tmplName: string,
    private vars: Variable[],
    private readonly depth: number,
  ) {}

  // --- errors ---

  private at(n: Node): void {
    this.node = n;
  }

  private buildError(msg: string, phase: 'exec' | 'limit'): TemplateError {
    if (this.node === null || this.tree === null) {
      return new TemplateError({
        message: `template: ${this.tmplName}: ${msg}`,
        templateName: this.tmplName,
        phase,
        detail: msg,
      });
    }
    const { line, col } = location(this.tree.text, this.node.pos);
    const ctx = nodeToString(this.node);
    return new TemplateError({
      message: `template: ${this.tree.parseName}:${line}:${col}: executing ${goQuote(this.tmplName)} at <${ctx}>: ${msg}`,
      templateName: this.tmplName,
      line,
      column: col,
      phase,
      detail: msg,
    });
  }

  errorf(msg: string): never {
    throw this.buildError(msg, 'exec');
  }

  limitError(msg: string): never {
    throw this.buildError(msg, 'limit');
  }

  // --- variables ---

  private mark(): number {
    return this.vars.length;
  }
  private pop(mark: number): void {
    this.vars.length = mark;
  }
  private push(name: string, value: Val): void {
    this.vars.push({ name, value });
  }
  private setVar(name: string, value: Val): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  private setTopVar(n: number, value: Val): void {
    this.vars[this.vars.length - n].value = value;
  }
  private varValue(name: string): Val {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    this.errorf(`undefined variable: ${name}`);
  }

  // --- walking ---

  walk(dot: Val, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'Action': {
        const v = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, v);
        return;
      }
      case 'Break':
        throw BREAK;
      case 'Continue':
        throw CONTINUE;
      case 'Comment':
        return;
      case 'If':
      case 'With':
        return this.walkIfOrWith(node.type, dot, node.pipe, node.list, node.elseList);
      case 'List':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'Range':
        return this.walkRange(dot, node);
      case 'Template':
        return this.walkTemplate(dot, node);
      case 'Text':
        this.ex.write(node.text, this);
        return;
      default:
        this.errorf(`unknown node: ${nodeToString(node)}`);
    }
  }

  private walkIfOrWith(kind: 'If' | 'With', dot: Val, pipe: PipeNode, list: ListNode, elseList: ListNode | null): void {
    const mark = this.mark();
    try {
      const v = this.evalPipeline(dot, pipe);
      if (truth(v)) this.walk(kind === 'With' ? v : dot, list);
      else if (elseList) this.walk(dot, elseList);
    } finally {
      this.pop(mark);
    }
  }

  private walkRange(dot: Val, r: RangeNode): void {
    this.at(r);
    const outer = this.mark();
    try {
      const v = this.evalPipeline(dot, r.pipe);
      const mark = this.mark();
      const decl = r.pipe.decl;
      const oneIteration = (index: Val, elem: Val): void => {
        this.ex.countIteration(this);
        if (decl.length > 0) {
          if (r.pipe.isAssign) this.setVar(decl[0].ident[0], decl.length > 1 ? index : elem);
          else this.setTopVar(1, elem);
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(decl[1].ident[0], elem);
          else this.setTopVar(2, index);
        }
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e !== CONTINUE) throw e;
        } finally {
          this.pop(mark);
        }
      };
      let ran = false;
      switch (kindOf(v.v)) {
        case Kind.Slice: {
          const a = v.v as unknown[];
          for (let i = 0; i < a.length; i++) {
            ran = true;
            oneIteration(val(i), val(a[i] === undefined ? null : a[i], true));
          }
          break;
        }
        case Kind.Map: {
          const m = v.v as Record<string, unknown>;
          for (const k of mapKeys(m)) {
            ran = true;
            oneIteration(val(k), val(m[k], true));
          }
          break;
        }
        case Kind.Int:
        case Kind.Uint8: {
          if (decl.length > 1) this.errorf(`can't use ${goFormatValue(v.v)} to iterate over more than one variable`);
          const n = numberOf(v.v);
          for (let i = 0; i < n; i++) {
            ran = true;
            oneIteration(INVALID, val(i));
          }
          break;
        }
        case Kind.Invalid:
        case Kind.Nil:
          break;
        default:
          this.errorf(`range can't iterate over ${goFormatValue(v.v)}`);
      }
      if (!ran && r.elseList) this.walk(dot, r.elseList);
    } catch (e) {
      if (e !== BREAK) throw e;
    } finally {
      this.pop(outer);
    }
  }

  private walkTemplate(dot: Val, t: TemplateNode): void {
    this.at(t);
    const tree = this.ex.lookupTemplate(t.name);
    if (!tree) this.errorf(`template ${goQuote(t.name)} not defined`);
    if (this.depth >= this.ex.options.maxTemplateDepth) {
      this.limitError(`exceeded maximum template depth (${this.ex.options.maxTemplateDepth})`);
    }
    const newDot = this.evalPipeline(dot, t.pipe);
    const sub = new State(this.ex, tree, t.name, [{ name: '$', value: newDot }], this.depth + 1);
    sub.walk(newDot, tree.root);
  }

  // --- evaluation ---

  private evalPipeline(dot: Val, pipe: PipeNode | null): Val {
    if (!pipe) return INVALID;
    this.at(pipe);
    let value: Val = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // A value of static type interface{} is replaced by the concrete value inside it.
      value = indirectInterface(value);
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0], value);
      else this.push(v.ident[0], value);
    }
    return value;
  }

  private notAFunction(args: readonly Node[] | null, final: Val): void {
    if ((args && args.length > 1) || final !== MISSING) {
      this.errorf(`can't give argument to non-function ${nodeToString((args as Node[])[0])}`);
    }
  }

  private evalCommand(dot: Val, cmd: CommandNode, final: Val): Val {
    const first = cmd.args[0];
    switch (first.type) {
      case 'Field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'Chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'Identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'Pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'Variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'Bool':
        return val(first.value);
      case 'Dot':
        return dot;
      case 'Nil':
        this.errorf('nil is not a command');
        break;
      case 'Number':
        return this.idealConstant(first);
      case 'String':
        return val(first.text);
    }
    this.errorf(`can't evaluate command ${goQuote(nodeToString(first))}`);
  }

  private idealConstant(n: NumberNode): Val {
    this.at(n);
    if (n.isComplex) this.errorf(`complex constant ${n.text} is not supported`);
    const isHexInt = /^[+-]?0[xX]/.test(n.text) && !/[pP]/.test(n.text);
    if (n.isFloat && !isHexInt && n.text[0] !== "'" && /[.eEpP]/.test(n.text)) {
      return val(Number.isInteger(n.float) ? new GoFloat64(n.float) : n.float);
    }
    if (n.isInt) return val(n.int);
    if (n.isUint) this.errorf(`${n.text} overflows int`);
    return INVALID;
  }

  private evalFieldNode(dot: Val, field: FieldNode, args: readonly Node[] | null, final: Val): Val {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: Val, chain: ChainNode, args: readonly Node[] | null, final: Val): Val {
    this.at(chain);
    if (chain.field.length === 0) this.errorf('internal error: no fields in evalChainNode');
    if (chain.node.type === 'Nil') this.errorf(`indirection through explicit nil in ${nodeToString(chain)}`);
    const pipe = this.evalArg(dot, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: Val, v: VariableNode, args: readonly Node[] | null, final: Val): Val {
    this.at(v);
    const value = this.varValue(v.ident[0]);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(
    dot: Val,
    receiver: Val,
    node: Node,
    ident: readonly string[],
    args: readonly Node[] | null,
    final: Val,
  ): Val {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, ident[i], node, null, MISSING, receiver);
    return this.evalField(dot, ident[n - 1], node, args, final, receiver);
  }

  private evalField(
    _dot: Val,
    fieldName: string,
    _node: Node,
    args: readonly Node[] | null,
    final: Val,
    receiver: Val,
  ): Val {
    if (!isValid(receiver)) {
      if (this.ex.options.missingKey === 'error') this.errorf(`nil data; no entry for key ${goQuote(fieldName)}`);
      return INVALID;
    }
    const typ = valTypeName(receiver);
    if (receiver.v === null) this.errorf(`nil pointer evaluating ${typ}.${fieldName}`);
    const hasArgs = (args !== null && args.length > 1) || final !== MISSING;
    if (kindOf(receiver.v) === Kind.Map) {
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      const m = receiver.v as Record<string, unknown>;
      const { found, value } = lookupField(m, fieldName, this.ex.options.fieldAliases);
      if (found) return val(value, true);
      switch (this.ex.options.missingKey) {
        case 'zero':
          return val(null, true); // the zero interface{}: a nil interface
        case 'error':
          this.errorf(`map has no entry for key ${goQuote(fieldName)}`);
          break;
        default:
          return INVALID;
      }
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typ}`);
  }

  private evalFunction(dot: Val, node: IdentifierNode, cmd: Node, args: readonly Node[] | null, final: Val): Val {
    this.at(node);
    const name = node.ident;
    const user = Object.prototype.hasOwnProperty.call(this.ex.options.funcs, name) ? this.ex.options.funcs[name] : undefined;
    if (user) return this.evalCall(dot, name, { fixed: 0, variadic: true }, false, cmd, args, final, user);
    const builtin = Object.prototype.hasOwnProperty.call(BUILTINS, name) ? BUILTINS[name] : undefined;
    if (!builtin) this.errorf(`${goQuote(name)} is not a defined function`);
    return this.evalCall(dot, name, builtin.sig, true, cmd, args, final, null);
  }

  private evalCall(
    dot: Val,
    name: string,
    sig: Signature,
    isBuiltin: boolean,
    node: Node,
    argNodes: readonly Node[] | null,
    final: Val,
    user: TemplateFunction | null,
  ): Val {
    const args = argNodes ? (argNodes.slice(1) as ArgNode[]) : [];
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    if (sig.variadic) {
      if (numIn < sig.fixed) this.errorf(`wrong number of args for ${name}: want at least ${sig.fixed} got ${args.length}`);
    } else if (numIn !== sig.fixed) {
      this.errorf(`wrong number of args for ${name}: want ${sig.fixed} got ${numIn}`);
    }

    if (isBuiltin && (name === 'and' || name === 'or')) {
      let v: Val = INVALID;
      for (const a of args) {
        v = this.evalArg(dot, a);
        if (truth(v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = final;
      return v;
    }

    const stringParams = sig.stringParams ?? [];
    const argv: Val[] = args.map((a, i) => (stringParams.includes(i) ? this.evalStringArg(dot, a) : this.evalArg(dot, a)));
    if (final !== MISSING) {
      const i = argv.length;
      argv.push(stringParams.includes(i) ? this.validateString(final) : final);
    }

    try {
      if (user) return invokeUserFunction(user, argv);
      if (name === 'call') {
        const callee = args.length > 0 ? nodeToString(args[0]) : nodeToString(node);
        return callFunction(callee, argv[0], argv.slice(1));
      }
      return BUILTINS[name].fn(...argv);
    } catch (e) {
      if (e instanceof CallError) {
        this.at(node);
        this.errorf(`error calling ${name}: ${e.message}`);
      }
      throw e;
    }
  }

  /** Go's validateType for a `string` parameter (printf's format). */
  private validateString(v: Val): Val {
    if (!isValid(v)) this.errorf('invalid value; expected string');
    if (typeof v.v === 'string') return val(v.v);
    const concrete = indirectInterface(v);
    const got = v.iface && v.v !== null ? valTypeName(concrete) : valTypeName(v);
    this.errorf(`wrong type for value; expected string; got ${got}`);
  }

  private evalStringArg(dot: Val, n: ArgNode): Val {
    this.at(n);
    switch (n.type) {
      case 'Dot':
      case 'Field':
      case 'Variable':
      case 'Pipe':
      case 'Identifier':
      case 'Chain':
        return this.validateString(this.evalArg(dot, n));
      case 'Nil':
        this.errorf('cannot assign nil to string');
        break;
      case 'String':
        return val(n.text);
    }
    this.errorf(`expected string; found ${nodeToString(n)}`);
  }

  /** Evaluates an argument destined for an `interface{}` / reflect.Value parameter. */
  private evalArg(dot: Val, n: ArgNode): Val {
    this.at(n);
    switch (n.type) {
      case 'Dot':
        return dot;
      case 'Nil':
        return INVALID;
      case 'Field':
        return this.evalFieldNode(dot, n, [n], MISSING);
      case 'Variable':
        return this.evalVariableNode(dot, n, null, MISSING);
      case 'Pipe':
        return this.evalPipeline(dot, n);
      case 'Identifier':
        return this.evalFunction(dot, n, n, null, MISSING);
      case 'Chain':
        return this.evalChainNode(dot, n, null, MISSING);
      case 'Bool':
        return val(n.value);
      case 'Number':
        return this.idealConstant(n);
      case 'String':
        return val(n.text);
    }
  }

  private printValue(n: Node, v: Val): void {
    this.at(n);
    if (!isValid(v) || v.v === null) {
      this.ex.write('<no value>', this);
      return;
    }
    if (kindOf(v.v) === Kind.Func) this.errorf(`can't print ${nodeToString(n)} of type ${valTypeName(v)}`);
    this.ex.write(goSprint([v.v]), this);
  }
}
