/**
 * Atlassian Document Format (Jira Cloud's rich text JSON) as plain text. Two readings:
 * - `adfTextKelos`: Kelos's extraction for `{{.Comments}}` (a node's `text`, else its children's non-empty texts
 *   joined by newlines), kept exactly so existing prompts render the same;
 * - `adfToPlainText`: a readable rendering for `{{.Body}}` (Kelos leaves the description out): paragraphs and
 *   blocks separated by a blank line, hard breaks as newlines, list items as `- ` / `1. ` lines, code blocks kept,
 *   mentions, emoji and dates as their text, links and cards as their URL, table cells separated by ` | `.
 * Plain strings (REST v2, Data Center wiki markup) are returned as they are.
 */
type Node = { type?: unknown; text?: unknown; content?: unknown; attrs?: Record<string, unknown>; marks?: unknown };

function asNode(value: unknown): Node | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Node) : undefined;
}

function children(node: Node): Node[] {
  return Array.isArray(node.content) ? node.content.flatMap((child) => (asNode(child) ? [child as Node] : [])) : [];
}

export function adfTextKelos(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = asNode(value);
  if (!node) return '';
  if (typeof node.text === 'string') return node.text;
  return children(node)
    .map(adfTextKelos)
    .filter((text) => text !== '')
    .join('\n');
}

export function adfToPlainText(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = asNode(value);
  if (!node) return '';
  return block(node).replace(/\n{3,}/g, '\n\n').trim();
}

const BLOCKS_JOINED_BY_BLANK_LINE = new Set(['doc', 'blockquote', 'panel', 'expand', 'nestedExpand', 'layoutSection', 'layoutColumn', 'bodiedExtension']);

function block(node: Node): string {
  const type = String(node.type ?? '');
  switch (type) {
    case 'paragraph':
    case 'heading':
      return inline(children(node));
    case 'codeBlock':
      return children(node).map((c) => (typeof c.text === 'string' ? c.text : '')).join('');
    case 'bulletList':
      return children(node).map((item) => listItem(item, '- ')).join('\n');
    case 'orderedList': {
      const start = Number(node.attrs?.order ?? 1) || 1;
      return children(node).map((item, i) => listItem(item, `${start + i}. `)).join('\n');
    }
    case 'taskList':
      return children(node).map((item) => `${item.attrs?.state === 'DONE' ? '[x]' : '[ ]'} ${inline(children(item))}`).join('\n');
    case 'rule':
      return '---';
    case 'table':
      return children(node)
        .map((row) => children(row).map((cell) => children(cell).map(block).join(' ').trim()).join(' | '))
        .join('\n');
    case 'mediaSingle':
    case 'mediaGroup':
      return '';
    default:
      if (BLOCKS_JOINED_BY_BLANK_LINE.has(type) || !type) return children(node).map(block).filter(Boolean).join('\n\n');
      // Unknown node: inline content if it has any, else its blocks.
      return typeof node.text === 'string' ? node.text : children(node).map(block).filter(Boolean).join('\n\n');
  }
}

function listItem(item: Node, marker: string): string {
  const parts = children(item).map(block).filter(Boolean);
  const [first = '', ...rest] = parts;
  const indent = ' '.repeat(marker.length);
  return [marker + first, ...rest.map((part) => part.split('\n').map((line) => indent + line).join('\n'))].join('\n');
}

function inline(nodes: Node[]): string {
  return nodes.map(inlineNode).join('');
}

function inlineNode(node: Node): string {
  switch (node.type) {
    case 'text': {
      const text = typeof node.text === 'string' ? node.text : '';
      const link = Array.isArray(node.marks) ? (node.marks as Node[]).find((mark) => mark?.type === 'link') : undefined;
      const href = typeof link?.attrs?.href === 'string' ? link.attrs.href : '';
      return href && href !== text ? `${text} (${href})` : text;
    }
    case 'hardBreak':
      return '\n';
    case 'mention':
      return String(node.attrs?.text ?? '');
    case 'emoji':
      return String(node.attrs?.text ?? node.attrs?.shortName ?? '');
    case 'date':
      return typeof node.attrs?.timestamp === 'string' || typeof node.attrs?.timestamp === 'number' ? new Date(Number(node.attrs.timestamp)).toISOString().slice(0, 10) : '';
    case 'status':
      return String(node.attrs?.text ?? '');
    case 'inlineCard':
    case 'blockCard':
      return String(node.attrs?.url ?? '');
    default:
      return typeof node.text === 'string' ? node.text : inline(children(node));
  }
}
