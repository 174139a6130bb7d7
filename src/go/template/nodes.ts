/**
 * Parse-tree node types (the same kinds as Go's text/template/parse) plus `walk()` and
 * `nodeToString()`. The tree is exported so callers can inspect templates before running them —
 * Kelos, for instance, rejects any reference to `.Context` in a nameTemplate — and `nodeToString`
 * reproduces Go's `Node.String()`, which appears in execution errors (`at <.Nope>`).
 *
 * Positions (`pos`) are JS string offsets into the template text of the tree they belong to.
 */

export const NodeType = {
  Text: 'Text',
  Action: 'Action',
  Bool: 'Bool',
  Chain: 'Chain',
  Command: 'Command',
  Dot: 'Dot',
  Field: 'Field',
  Identifier: 'Identifier',
  If: 'If',
  List: 'List',
  Nil: 'Nil',
  Number: 'Number',
  Pipe: 'Pipe',
  Range: 'Range',
  String: 'String',
  Template: 'Template',
  Variable: 'Variable',
  With: 'With',
  Comment: 'Comment',
  Break: 'Break',
  Continue: 'Continue',
} as const;
export type NodeType = (typeof NodeType)[keyof typeof NodeType];

interface Base {
  pos: number;
}

export interface ListNode extends Base {
  type: 'List';
  nodes: Node[];
}
export interface TextNode extends Base {
  type: 'Text';
  text: string;
}
export interface CommentNode extends Base {
  type: 'Comment';
  text: string;
}
export interface PipeNode extends Base {
  type: 'Pipe';
  line: number;
  /** True for `$x = ...` (assignment), false for `$x := ...` (declaration). */
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
export interface ActionNode extends Base {
  type: 'Action';
  line: number;
  pipe: PipeNode;
}
export interface CommandNode extends Base {
  type: 'Command';
  args: ArgNode[];
}
export interface IdentifierNode extends Base {
  type: 'Identifier';
  ident: string;
}
export interface VariableNode extends Base {
  type: 'Variable';
  /** `$x.A.B` → ['$x', 'A', 'B']. */
  ident: string[];
}
export interface DotNode extends Base {
  type: 'Dot';
}
export interface NilNode extends Base {
  type: 'Nil';
}
export interface FieldNode extends Base {
  type: 'Field';
  /** `.A.B` → ['A', 'B']. */
  ident: string[];
}
export interface ChainNode extends Base {
  type: 'Chain';
  node: ArgNode;
  field: string[];
}
export interface BoolNode extends Base {
  type: 'Bool';
  value: boolean;
}
export interface NumberNode extends Base {
  type: 'Number';
  isInt: boolean;
  isUint: boolean;
  isFloat: boolean;
  isComplex: boolean;
  /** Integer value (when isInt or isUint). */
  int: number;
  /** Float value (when isFloat). */
  float: number;
  text: string;
}
export interface StringNode extends Base {
  type: 'String';
  quoted: string;
  text: string;
}
export interface BranchNode extends Base {
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
export interface IfNode extends BranchNode {
  type: 'If';
}
export interface RangeNode extends BranchNode {
  type: 'Range';
}
export interface WithNode extends BranchNode {
  type: 'With';
}
export interface TemplateNode extends Base {
  type: 'Template';
  line: number;
  name: string;
  pipe: PipeNode | null;
}
export interface BreakNode extends Base {
  type: 'Break';
  line: number;
}
export interface ContinueNode extends Base {
  type: 'Continue';
  line: number;
}

/** Nodes that can appear as command arguments. */
export type ArgNode =
  | IdentifierNode
  | VariableNode
  | DotNode
  | NilNode
  | FieldNode
  | ChainNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode;

export type Node =
  | ListNode
  | TextNode
  | CommentNode
  | ActionNode
  | CommandNode
  | IfNode
  | RangeNode
  | WithNode
  | TemplateNode
  | BreakNode
  | ContinueNode
  | ArgNode;

/** One parsed template (the top-level text, or a `define`/`block`). */
export interface Tree {
  name: string;
  /** Name of the top-level template that was being parsed (Go's ParseName, used in errors). */
  parseName: string;
  root: ListNode;
  /** The full text the tree was parsed from (positions index into it). */
  text: string;
}

function quoteGo(s: string): string {
  // strconv.Quote for template names in `{{template "x"}}`; names are almost always plain ASCII.
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** Go's `Node.String()`: the node rendered back as template source. */
export function nodeToString(n: Node): string {
  switch (n.type) {
    case 'List':
      return n.nodes.map(nodeToString).join('');
    case 'Text':
      return n.text;
    case 'Comment':
      return '{{' + n.text + '}}';
    case 'Pipe': {
      let s = '';
      if (n.decl.length > 0) {
        s += n.decl.map(nodeToString).join(', ') + ' := ';
      }
      return s + n.cmds.map(nodeToString).join(' | ');
    }
    case 'Action':
      return '{{' + nodeToString(n.pipe) + '}}';
    case 'Command':
      return n.args.map((a) => (a.type === 'Pipe' ? '(' + nodeToString(a) + ')' : nodeToString(a))).join(' ');
    case 'Identifier':
      return n.ident;
    case 'Variable':
      return n.ident.join('.');
    case 'Dot':
      return '.';
    case 'Nil':
      return 'nil';
    case 'Field':
      return n.ident.map((f) => '.' + f).join('');
    case 'Chain': {
      const head = n.node.type === 'Pipe' ? '(' + nodeToString(n.node) + ')' : nodeToString(n.node);
      return head + n.field.map((f) => '.' + f).join('');
    }
    case 'Bool':
      return n.value ? 'true' : 'false';
    case 'Number':
      return n.text;
    case 'String':
      return n.quoted;
    case 'If':
    case 'Range':
    case 'With': {
      const kw = n.type === 'If' ? 'if' : n.type === 'Range' ? 'range' : 'with';
      let s = '{{' + kw + ' ' + nodeToString(n.pipe) + '}}' + nodeToString(n.list);
      if (n.elseList) s += '{{else}}' + nodeToString(n.elseList);
      return s + '{{end}}';
    }
    case 'Template':
      return '{{template ' + quoteGo(n.name) + (n.pipe ? ' ' + nodeToString(n.pipe) : '') + '}}';
    case 'Break':
      return '{{break}}';
    case 'Continue':
      return '{{continue}}';
  }
}

/** Direct children of a node, in source order. */
export function children(n: Node): Node[] {
  switch (n.type) {
    case 'List':
      return n.nodes;
    case 'Action':
      return [n.pipe];
    case 'Pipe':
      return [...n.decl, ...n.cmds];
    case 'Command':
      return n.args;
    case 'Chain':
      return [n.node];
    case 'If':
    case 'Range':
    case 'With':
      return n.elseList ? [n.pipe, n.list, n.elseList] : [n.pipe, n.list];
    case 'Template':
      return n.pipe ? [n.pipe] : [];
    default:
      return [];
  }
}

/**
 * Depth-first, pre-order traversal. Return `false` from the visitor to skip a node's children.
 * `parents` is the chain of ancestors (outermost first).
 */
export function walk(root: Node, visit: (node: Node, parents: readonly Node[]) => boolean | void): void {
  const parents: Node[] = [];
  const go = (n: Node): void => {
    if (visit(n, parents) === false) return;
    parents.push(n);
    for (const c of children(n)) go(c);
    parents.pop();
  };
  go(root);
}
