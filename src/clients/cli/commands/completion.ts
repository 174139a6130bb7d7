import { Argument, Command } from 'commander';
import { COMPLETION_SHELLS, completionScript, type CompletionShell } from '../completion-script';

/** `kelos completion bash|zsh|fish`: the script for the whole program this command is registered in. */
export function completionCommand(): Command {
  return new Command('completion')
    .description('print a shell completion script (bash: source <(kelos completion bash); fish: kelos completion fish | source)')
    .addArgument(new Argument('<shell>', 'bash | zsh | fish').choices([...COMPLETION_SHELLS]))
    .action((shell: CompletionShell, _opts: unknown, command: Command) => {
      process.stdout.write(completionScript(command.parent!, shell));
    });
}
