/**
 * skills.sh packages on the local runtime: the same script as the Pod's `skills-install` init container
 * (api/task/skills-install-script.ts), run by this machine's sh with `npx` and git from its PATH, into the Task's
 * plugin directory. Tokens of `secretRef`s go in as environment variables, never into the script.
 */
import { spawn } from 'node:child_process';
import { skillsInstallScript, skillsTokenEnv } from '../../api/task/skills-install-script';
import type { AgentConfigBundle } from '../../api/task/task-activities-types';

export interface SkillsInstallOptions {
  pluginDir: string;
  skills: AgentConfigBundle['skills'];
  /** The GITHUB_TOKEN of a secret, by name. */
  tokenOf: (secretName: string) => string;
  env: Record<string, string | undefined>;
  /** Called while the install runs (activity heartbeats). */
  progress: () => void;
  timeoutMs?: number;
}

export async function installSkillsLocally(options: SkillsInstallOptions): Promise<void> {
  const tokens = Object.fromEntries(skillsTokenEnv(options.skills).map(({ secretName, envName }) => [envName, options.tokenOf(secretName)]));
  const script = skillsInstallScript(options.skills, { pluginDir: options.pluginDir });
  const child = spawn('sh', ['-c', script], { env: { ...options.env, ...tokens, HOME: options.pluginDir }, stdio: ['ignore', 'pipe', 'pipe'] });
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
