/**
 * Comment command matching (kelos-behaviour §2.3): a text carries a command iff one of its lines, trimmed,
 * equals the command exactly (case-sensitive). "/kelos pick-up please" is prose, not "/kelos pick-up".
 */
import { goTrimSpace } from '../../go';

export function containsCommand(text: string, command: string): boolean {
  return text.split('\n').some((line) => goTrimSpace(line) === command);
}

export function containsAnyCommand(text: string, commands: readonly string[]): boolean {
  return commands.some((command) => containsCommand(text, command));
}
