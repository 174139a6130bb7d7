/**
 * skills.sh packages on the local runtime: the same script as the Pod's `skills-install` init container
 * (src/runtimes/skills-install-script.ts), run by this machine's sh with `npx` and git from its PATH, into the Task's
 * plugin directory. Tokens of `secretRef`s go in as environment variables, never into the script.
 */
import { spawn } from 'node:child_process';
import { skillsInstallScript, skillsTokenEnv } from '../skills-install-script';
import type { AgentConfigBundle } from '../../task/task-runtime';

export interface SkillsInstallOptions {
  pluginDir: string;
  skills: AgentConfigBundle['skills'];
  /** The GITHUB_TOKEN of a secret, by name. */
  tokenOf: (secretName: string) => string;
  /** The worker's environment: only what installing needs is passed on (see installEnv). */
  env: Record<string, string | undefined>;
  /** Called while the install runs (activity heartbeats). */
  progress: () => void;
  timeoutMs?: number;
}

/** Host variables `npx skills add` and git need: tools, locale, certificates, proxies, npm's own settings. */
const HOST_VARIABLES = new Set(['PATH', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'TERM', 'SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy']);

/**
 * The install runs third-party code (an npm package and the skills it fetches), so it gets what the Pod's init
 * container gets: not the worker's own secrets (GITHUB_TOKEN, webhook secrets, KELOS_ENCRYPTION_KEY, ...).
 */
export function installEnv(host: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(host)) {
    if (value !== undefined && (HOST_VARIABLES.has(name) || /^npm_config_/i.test(name))) env[name] = value;
  }
  return env;
}

export async function installSkillsLocally(options: SkillsInstallOptions): Promise<void> {
  const tokens = Object.fromEntries(skillsTokenEnv(options.skills).map(({ secretName, envName }) => [envName, options.tokenOf(secretName)]));
  const script = skillsInstallScript(options.skills, { pluginDir: options.pluginDir });
  const child = spawn('sh', ['-c', script], { env: { ...installEnv(options.env), ...tokens, HOME: options.pluginDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const ticker = setInterval(options.progress, 5_000);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 10 * 60_000);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c, s) => resolve([c, s]));
    });
    if (code !== 0) {
      const last = output.trim().split('\n').slice(-5).join(' | ');
      throw new Error(`installing AgentConfig skills failed (${signal ? `killed by ${signal}` : `exit ${code}`})${last ? `: ${last}` : ''}`);
    }
  } finally {
    clearInterval(ticker);
    clearTimeout(timer);
  }
}
