/**
 * The agent CLI invocation Kelos's images use (`<agent>/kelos_entrypoint.sh` in kelos-dev/kelos), per agent type,
 * and where each CLI's credential arrives (kelos-behaviour §1.1).
 */
import type { AgentType, CredentialType } from '../model/types';
import { credentialEnvName } from '../runtimes/credential-env';

export { credentialEnvName };

export const AGENT_EXECUTABLES: Record<AgentType, string> = {
  'claude-code': 'claude',
  codex: 'codex',
  gemini: 'gemini',
  opencode: 'opencode',
  // Kelos's image links both `agent` and `cursor-agent` to the same binary; the latter is the installed name.
  cursor: 'cursor-agent',
};

export interface AgentCommandOptions {
  prompt: string;
  model?: string;
  effort?: string;
  /** Plugin directories (claude-code passes each as `--plugin-dir`; other agents install plugins into their home). */
  pluginDirs?: string[];
}

export interface AgentCommand {
  executable: string;
  args: string[];
}

export function agentCommand(agentType: AgentType, options: AgentCommandOptions): AgentCommand {
  const { prompt, model, effort } = options;
  const args: string[] = [];
  // The prompt is data, never an option: it comes last, after `--` (every CLI below ends its options there), or
  // glued to its option where the prompt is an option's value (gemini), so `--help` or `-x…` reaches the model.
  switch (agentType) {
    case 'claude-code':
      args.push('--dangerously-skip-permissions', '--output-format', 'stream-json', '--verbose', '-p');
      if (model) args.push('--model', model);
      if (effort) args.push('--effort', effort);
      for (const dir of options.pluginDirs ?? []) args.push('--plugin-dir', dir);
      args.push('--', prompt);
      break;
    case 'codex':
      args.push('exec', '--dangerously-bypass-approvals-and-sandbox', '--json');
      if (model) args.push('--model', model);
      // The value is TOML: quotes, backslashes and line breaks are dropped so it stays one string.
      if (effort) args.push('--config', `model_reasoning_effort="${effort.replace(/["\\\n\r]/g, '')}"`);
      args.push('--', prompt);
      break;
    case 'gemini':
      // Effort reaches gemini through settings (a model config override) or GEMINI.md, see agent-home.ts.
      args.push('--yolo', '--output-format', 'stream-json');
      if (model) args.push('--model', model);
      args.push(`--prompt=${prompt}`);
      break;
    case 'opencode':
      args.push('run', '--format', 'json', '--auto');
      // With an effort, the model is set in opencode.json next to the effort instead (agent-home.ts).
      if (!effort && model) args.push('--model', model);
      args.push('--', prompt);
      break;
    case 'cursor':
      if (model) args.push('--model', model);
      args.push('-p', '--force', '--trust', '--sandbox', 'disabled', '--output-format', 'stream-json', '--', prompt);
      break;
  }
  return { executable: AGENT_EXECUTABLES[agentType], args };
}

/** The credential variable for an agent and credential type; undefined for `none` (the user supplies env). */
export function credentialEnvNameFor(agentType: AgentType, credentialType: CredentialType): string | undefined {
  return credentialType === 'none' ? undefined : credentialEnvName(agentType, credentialType);
}
