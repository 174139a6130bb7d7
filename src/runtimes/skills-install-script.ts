/**
 * Installing an AgentConfig's skills.sh packages (`spec.skills`), shared by the Pod's `skills-install` init
 * container and the local runtime: `npx skills add <source> -a universal -g` with `HOME` set to the plugin
 * directory, then the installed skills moved to `<plugin dir>/skills-sh/skills/`, where the entrypoints find
 * plugins. A package with a `secretRef` authenticates git (and gh) with that secret's `GITHUB_TOKEN`, passed in
 * the environment variable {@link skillsTokenEnv} names, so the token never appears in the script.
 */
import { githubTarget } from '../sources/github/repo-target';
import { shellQuote } from '../common/shell-quote';
import { GIT_CREDENTIAL_USERNAME } from './git-credentials';
import type { AgentConfigBundle } from '../task/task-runtime';

export const SKILLS_PLUGIN = 'skills-sh';

/**
 * The skills CLI, pinned to an exact npm version (`npm view skills version` on 2026-12-04): an unpinned
 * `npx -y skills` would run whatever was published last, with the install's tokens at hand. Raise it deliberately.
 */
export const SKILLS_CLI = 'skills@1.7.4';

/** One variable per distinct secret, in order of first use. */
export function skillsTokenEnv(skills: AgentConfigBundle['skills']): { secretName: string; envName: string }[] {
  const names = [...new Set(skills.flatMap((s) => (s.secretName ? [s.secretName] : [])))];
  return names.map((secretName, i) => ({ secretName, envName: `KELOS_SKILLS_GITHUB_TOKEN_${i}` }));
}

export interface SkillsScriptOptions {
  /** The plugin directory; the script expects `HOME` to be it. */
  pluginDir: string;
  /** Alpine image: install git first (the skills CLI clones with it). */
  installGit?: boolean;
  /** chown the result to this UID:GID (when the installer runs as another user than the agent). */
  owner?: number;
  /**
   * Read each token from `<tokenDir>/<variable>/GITHUB_TOKEN` (a mounted Secret) just for the one install that
   * needs it, instead of from the environment, where every process of the script would see it.
   */
  tokenDir?: string;
}

export function skillsInstallScript(skills: AgentConfigBundle['skills'], options: SkillsScriptOptions): string {
  const tokens = new Map(skillsTokenEnv(skills).map((t) => [t.secretName, t.envName]));
  const target = shellQuote(`${options.pluginDir}/${SKILLS_PLUGIN}/skills`);
  const lines = ['set -eu'];
  if (options.installGit) lines.push('apk add --no-cache git >/dev/null');
  for (const skill of skills) {
    if (!skill.source.trim()) throw new Error('AgentConfig skills: source must not be empty');
    const add = `npx -y ${SKILLS_CLI} add ${shellQuote(skill.source)} -a universal -y -g${skill.skill ? ` -s ${shellQuote(skill.skill)}` : ''}`;
    const tokenVar = skill.secretName ? tokens.get(skill.secretName) : undefined;
    if (!tokenVar) lines.push(add);
    else if (!options.tokenDir) lines.push(`${authEnv(skill.source, tokenVar)} ${add}`);
    // A shell variable, not exported: only this one command gets the token, through authEnv's assignments.
    else lines.push(`${tokenVar}="$(cat ${shellQuote(`${options.tokenDir}/${tokenVar}/GITHUB_TOKEN`)})"`, `${authEnv(skill.source, tokenVar)} ${add}`, `unset ${tokenVar}`);
  }
  lines.push(
    `if [ ! -d "$HOME/.agents/skills" ]; then echo 'skills-install: npx skills add installed nothing into $HOME/.agents/skills' >&2; exit 1; fi`,
    `mkdir -p ${target}`,
    `cp -R "$HOME/.agents/skills/." ${target}/`,
    'rm -rf "$HOME/.agents" "$HOME/.npm"',
  );
  if (options.owner !== undefined) lines.push(`chown -R ${options.owner}:${options.owner} ${shellQuote(options.pluginDir)}`);
  return lines.join('\n');
}

/** git asks the helper (answering `get` only) and gh reads GH_TOKEN, or GH_ENTERPRISE_TOKEN for another host. */
function authEnv(source: string, tokenVar: string): string {
  const helper = `!f() { [ "$1" = get ] && printf 'username=${GIT_CREDENTIAL_USERNAME}\\npassword=%s\\n' "$KELOS_SKILLS_TOKEN"; }; f`;
  const parsed = githubTarget(source, undefined);
  const host = 'error' in parsed ? 'github.com' : parsed.host;
  const gh = host === 'github.com' ? `GH_TOKEN="$${tokenVar}"` : `GH_HOST=${shellQuote(host)} GH_ENTERPRISE_TOKEN="$${tokenVar}"`;
  return `KELOS_SKILLS_TOKEN="$${tokenVar}" GITHUB_TOKEN="$${tokenVar}" ${gh} GIT_TERMINAL_PROMPT=0 GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=credential.helper GIT_CONFIG_VALUE_0=${shellQuote(helper)}`;
}
