/**
 * What the config file (src/clients/cli/config-file.ts) adds to `kelos run`, as Kelos's run does: its defaults under the
 * flags, the Secret `kelos-credentials` made from `apiKey`/`oauthToken`, and the Workspace `kelos-workspace` (with the
 * Secret `kelos-workspace-credentials`) made from an inline `workspace.repo`. The credentials go to the secret store
 * on this machine; the Task only names the Secret.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { toKelosObject } from '../../model';
import type { AgentType, EnvVar } from '../../model/types';
import { credentialEnvName } from '../../runtimes/credential-env';
import { applyResource } from '../apply-resource';
import { KelosApi, KelosError } from '../kelos-api';
import type { KelosConfig } from './config-file';
import { confirmReplace, content, storeCredential, workspaceFromFlags } from './commands/create';

export const CONFIG_SECRET = 'kelos-credentials';
export const CONFIG_WORKSPACE = 'kelos-workspace';
export const CONFIG_WORKSPACE_SECRET = 'kelos-workspace-credentials';

/** The `kelos run` options the config file can set. */
export interface ConfigurableRunOptions {
  type: string;
  model?: string;
  effort?: string;
  workspace?: string;
  agentConfig: string[];
  secret?: string;
  credentialType: string;
  env: string[];
}

export interface RunConfig {
  /** The options with the config file's defaults where no flag was given. */
  options: ConfigurableRunOptions;
  /** The config file's env, to go before the --env flags. */
  env: EnvVar[];
  /** Stores what the Task refers to (nothing to do without a config credential or inline workspace). */
  provision: (api: KelosApi, namespace: string, yes: boolean) => Promise<void>;
}

/** `given(option)`: whether the flag was on the command line (a flag always wins over the file). */
export function runConfig(config: KelosConfig, flags: ConfigurableRunOptions, given: (option: keyof ConfigurableRunOptions) => boolean): RunConfig {
  const pick = <K extends keyof ConfigurableRunOptions>(key: K, value: ConfigurableRunOptions[K] | undefined) => (!given(key) && value ? value : flags[key]);
  const options: ConfigurableRunOptions = {
    ...flags,
    type: pick('type', config.type),
    model: pick('model', config.model),
    effort: pick('effort', config.effort),
    secret: pick('secret', config.secret),
    credentialType: pick('credentialType', config.credentialType),
    workspace: pick('workspace', config.workspace?.name),
    agentConfig: pick('agentConfig', config.agentConfig ? [config.agentConfig] : undefined),
  };

  const steps: ((namespace: string, yes: boolean, api: KelosApi) => Promise<void> | void)[] = [];
  const credential = options.secret ? undefined : configCredential(config);
  if (credential) {
    const key = credentialEnvName(options.type as AgentType, credential.type);
    steps.push((namespace, yes) => storeCredential(namespace, CONFIG_SECRET, { [key]: credential.value }, yes));
    options.secret = CONFIG_SECRET;
    options.credentialType = credential.type;
  }
  const inline = config.workspace;
  if (!options.workspace && inline?.repo) {
    const repo = inline.repo;
    const secretData = () => (inline.token ? { GITHUB_TOKEN: inline.token } : inline.githubApp ? githubAppSecret(inline.githubApp) : undefined);
    const secretName = inline.token || inline.githubApp ? CONFIG_WORKSPACE_SECRET : undefined;
    steps.push(async (namespace, yes, api) => {
      const data = secretData();
      if (data) storeCredential(namespace, CONFIG_WORKSPACE_SECRET, data, yes);
      const { workspace } = workspaceFromFlags(CONFIG_WORKSPACE, namespace, { repo, ref: inline.ref, secretName }, 'config file workspace');
      const existing = (await api.listStoredResources('Workspace', namespace)).find((r) => r.metadata.name === CONFIG_WORKSPACE);
      if (existing && isDeepStrictEqual(existing.spec, (toKelosObject(workspace) as { spec: unknown }).spec)) return;
      if (existing) confirmReplace(`workspace/${CONFIG_WORKSPACE}`, yes);
      await applyResource(api, workspace);
    });
    options.workspace = CONFIG_WORKSPACE;
  }
  return {
    options,
    env: (config.env ?? []) as EnvVar[],
    provision: async (api, namespace, yes) => {
      for (const step of steps) await step(namespace, yes, api);
    },
  };
}

/** The agent credential of the file: `oauthToken` or `apiKey` (the schema allows one), "@FILE" read, "none" an empty value. */
function configCredential(config: KelosConfig): { type: 'api-key' | 'oauth'; value: string } | undefined {
  const [type, raw, field] = config.oauthToken ? (['oauth', config.oauthToken, 'oauthToken'] as const) : (['api-key', config.apiKey, 'apiKey'] as const);
  if (!raw) return undefined;
  const value = content(raw, `config file ${field}`);
  return { type, value: value === 'none' ? '' : value };
}

function githubAppSecret(app: { appID: string; installationID: string; privateKeyPath: string }): Record<string, string> {
  const file = app.privateKeyPath.replace(/^~(?=$|\/)/, os.homedir());
  try {
    return { appID: app.appID, installationID: app.installationID, privateKey: fs.readFileSync(file, 'utf8') };
  } catch (err) {
    throw new KelosError(`config file: workspace.githubApp.privateKeyPath: cannot read ${app.privateKeyPath}: ${(err as Error).message}`);
  }
}
