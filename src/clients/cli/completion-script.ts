/**
 * Shell completion scripts generated from the commands and options registered with commander (which has none of its
 * own): subcommands and flags per command path, static, so pressing Tab never starts Node or touches Temporal.
 */
import type { Command } from 'commander';

export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

interface CommandNode {
  /** `kelos`, `kelos get`, … */
  path: string;
  name: string;
  description: string;
  subcommands: { name: string; description: string }[];
  flags: { long?: string; short?: string; description: string; takesValue: boolean; choices?: readonly string[] }[];
  /** Values its first argument takes, when the command declares them. */
  argumentChoices: readonly string[];
}

function walk(command: Command, parentPath: string, inherited: CommandNode['flags'], out: CommandNode[]): void {
  const path = parentPath ? `${parentPath} ${command.name()}` : command.name();
  const own = command.options.filter((o) => !o.hidden).map((o) => ({ long: o.long, short: o.short, description: o.description, takesValue: o.required || o.optional, choices: o.argChoices }));
  const flags = [...own, ...inherited, { long: '--help', short: '-h', description: 'display help', takesValue: false }];
  const visible = command.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
  const [firstArgument] = command.registeredArguments;
  out.push({
    path,
    name: command.name(),
    description: command.description(),
    subcommands: visible.map((c) => ({ name: c.name(), description: c.description() })),
    flags,
    argumentChoices: firstArgument?.argChoices ?? [],
  });
  // Global options of the root work after any subcommand too (commander's positional options are off).
  for (const sub of visible) walk(sub, path, parentPath ? inherited : own, out);
}

function commandTree(program: Command): CommandNode[] {
  const nodes: CommandNode[] = [];
  walk(program, '', [], nodes);
  return nodes;
}

const shellWord = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

function wordsOf(node: CommandNode): string[] {
  const flags = node.flags.flatMap((f) => [f.long, f.short]).filter((f): f is string => Boolean(f));
  return [...node.subcommands.map((s) => s.name), ...node.argumentChoices, ...flags];
}

function bash(program: Command): string {
  const nodes = commandTree(program);
  const root = program.name();
  const fn = `_${root.replace(/[^A-Za-z0-9_]/g, '_')}_completions`;
  const subcommandPaths = nodes.filter((n) => n.path !== root).map((n) => `      ${shellWord(n.path)}) cmd=${shellWord(n.path)} ;;`);
  const valueFlags = [...new Set(nodes.flatMap((n) => n.flags.filter((f) => f.takesValue).flatMap((f) => [f.long, f.short]).filter(Boolean)))];
  const cases = nodes.map((n) => `    ${shellWord(n.path)}) words=${shellWord(wordsOf(n).join(' '))} ;;`);
  const choices = nodes.flatMap((n) => n.flags.filter((f) => f.choices?.length).flatMap((f) => [f.long, f.short].filter(Boolean).map((flag) => `    ${shellWord(`${n.path} ${flag}`)}) COMPREPLY=($(compgen -W ${shellWord(f.choices!.join(' '))} -- "$cur")); return ;;`)));
  return `# ${root} completion for bash: source <(${root} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd=${shellWord(root)} words="" i w skip=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if ((skip)); then skip=0; continue; fi
    case "$w" in
      ${valueFlags.map((f) => shellWord(f!)).join('|')}) skip=1; continue ;;
      -*) continue ;;
    esac
    case "$cmd $w" in
${subcommandPaths.join('\n')}
    esac
  done
  case "$cmd $prev" in
${choices.join('\n')}
  esac
  case "$cmd" in
${cases.join('\n')}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F ${fn} ${root}
`;
}

/** zsh runs the bash function through its bash compatibility layer (part of every zsh since 4.2). */
function zsh(program: Command): string {
  return `#compdef ${program.name()}
# ${program.name()} completion for zsh: source <(${program.name()} completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bash(program).split('\n').slice(1).join('\n')}`;
}

function fish(program: Command): string {
  const nodes = commandTree(program);
  const root = program.name();
  const lines = [`# ${root} completion for fish: ${root} completion fish | source`, `complete -c ${root} -f`];
  for (const node of nodes) {
    const parents = node.path.split(' ').slice(1);
    // Fish's helpers see the words typed so far: the root's own words only before any subcommand.
    const condition = parents.length ? `__fish_seen_subcommand_from ${parents[parents.length - 1]}` : '__fish_use_subcommand';
    for (const sub of node.subcommands) lines.push(`complete -c ${root} -n ${shellWord(condition)} -a ${shellWord(sub.name)} -d ${shellWord(sub.description)}`);
    for (const choice of node.argumentChoices) lines.push(`complete -c ${root} -n ${shellWord(condition)} -a ${shellWord(choice)}`);
    for (const flag of node.flags) {
      const long = flag.long ? ` -l ${flag.long.replace(/^--/, '')}` : '';
      const short = flag.short ? ` -s ${flag.short.replace(/^-/, '')}` : '';
      const value = flag.choices?.length ? ` -x -a ${shellWord(flag.choices.join(' '))}` : flag.takesValue ? ' -r' : '';
      lines.push(`complete -c ${root} -n ${shellWord(condition)}${short}${long}${value} -d ${shellWord(flag.description)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(program: Command, shell: CompletionShell): string {
  return { bash, zsh, fish }[shell](program);
}
