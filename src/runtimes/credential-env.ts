/**
 * The environment variable (and secret key) that carries an agent's credential, by agent type and credential
 * type (kelos-behaviour §1.1). The secret must hold a key of that name; the agent gets it as that variable.
 */
import type { AgentType, CredentialType } from '../model/types';

const CREDENTIAL_ENV: Record<AgentType, Record<Exclude<CredentialType, 'none'>, string>> = {
  'claude-code': { 'api-key': 'ANTHROPIC_API_KEY', oauth: 'CLAUDE_CODE_OAUTH_TOKEN' },
  codex: { 'api-key': 'CODEX_API_KEY', oauth: 'CODEX_AUTH_JSON' },
  gemini: { 'api-key': 'GEMINI_API_KEY', oauth: 'GEMINI_API_KEY' },
  opencode: { 'api-key': 'OPENCODE_API_KEY', oauth: 'OPENCODE_API_KEY' },
  cursor: { 'api-key': 'CURSOR_API_KEY', oauth: 'CURSOR_API_KEY' },
};

export function credentialEnvName(agent: AgentType, type: Exclude<CredentialType, 'none'>): string {
  return CREDENTIAL_ENV[agent][type];
}
