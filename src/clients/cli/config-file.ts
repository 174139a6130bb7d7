/**
 * The kelos config file (Kelos's `~/.kelos/config.yaml`): per-user defaults for `kelos run` and the namespace of
 * every command. Read with `yaml`, checked with zod; a bad file stops the command with the file and the field.
 * Unknown fields are warned about on stderr and otherwise ignored: Kelos ignores them silently, so a Kelos file with
 * a field this version lacks still works, but a misspelt field does not go unnoticed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { AGENT_TYPES, CREDENTIAL_TYPES } from '../../model/types';
import type { ManifestError, PathSegment } from '../../model/manifest-error';
import { issuesToErrors, kelosErrorMap } from '../../model/zod-issues';
import { kelosHome } from '../../host/data-dir';
import { KelosError } from '../kelos-api';

/** `config.yaml` in the kelos directory: `$KELOS_HOME`, else `~/.kelos` (Kelos's default path). */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(kelosHome(env), 'config.yaml');
}

const keyRef = z.strictObject({ name: z.string().min(1), key: z.string().min(1), optional: z.boolean().optional() });

const envVar = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
    value: z.string().optional(),
    valueFrom: z
      .strictObject({ secretKeyRef: keyRef.optional(), configMapKeyRef: keyRef.optional() })
      .refine((from) => Boolean(from.secretKeyRef) !== Boolean(from.configMapKeyRef), { error: 'must set exactly one of secretKeyRef or configMapKeyRef' })
      .optional(),
  })
  .refine((env) => (env.value === undefined) !== (env.valueFrom === undefined), { error: 'must set exactly one of value or valueFrom' });

/** GitHub App ids are numbers: YAML reads them unquoted as such, and they are stored as text. */
const numericId = z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String);

const configSchema = z.strictObject({
  oauthToken: z.string().optional(),
  apiKey: z.string().optional(),
  secret: z.string().optional(),
  credentialType: z.enum(CREDENTIAL_TYPES).optional(),
  type: z.enum(AGENT_TYPES).optional(),
  model: z.string().optional(),
  effort: z.string().optional(),
  namespace: z.string().optional(),
  workspace: z
    .strictObject({
      name: z.string().optional(),
      repo: z.string().optional(),
      ref: z.string().optional(),
      token: z.string().optional(),
      githubApp: z.strictObject({ appID: numericId, installationID: numericId, privateKeyPath: z.string().min(1) }).optional(),
    })
    .refine((workspace) => !(workspace.token && workspace.githubApp), { error: 'set either token or githubApp, not both' })
    .optional(),
  agentConfig: z.string().optional(),
  env: z.array(envVar).optional(),
}).refine((config) => !(config.oauthToken && config.apiKey), { error: 'set only one of oauthToken or apiKey' });

export type KelosConfig = z.output<typeof configSchema>;
export type ConfigEnvVar = NonNullable<KelosConfig['env']>[number];

export interface LoadedConfig {
  /** The file read; undefined when there was none at the default path. */
  file?: string;
  config: KelosConfig;
  /** One line per unknown field, naming the file and the field. */
  warnings: string[];
}

/**
 * The config at `explicitPath` (`--config`, which must exist) or at the default path (absent is no config, as in
 * Kelos).
 */
export function loadConfigFile(explicitPath?: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const file = explicitPath ?? defaultConfigPath(env);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && explicitPath === undefined) return { config: {}, warnings: [] };
    throw new KelosError(`cannot read config file ${file} (--config): ${(err as Error).message}`);
  }
  return { file, ...parseConfigText(text, file) };
}

/** Parses and checks the text of a config file; `file` names it in errors. */
export function parseConfigText(text: string, file: string): { config: KelosConfig; warnings: string[] } {
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (err) {
    throw new KelosError(`config file ${file}: invalid YAML: ${(err as Error).message.split('\n')[0].replace(/:$/, '')}`);
  }
  if (raw === null || raw === undefined) return { config: {}, warnings: [] };
  const first = configSchema.safeParse(raw, { error: kelosErrorMap });
  if (first.success) return { config: first.data, warnings: [] };
  const unknown = first.error.issues.filter((issue) => issue.code === 'unrecognized_keys');
  const invalid = first.error.issues.filter((issue) => issue.code !== 'unrecognized_keys');
  const line = (error: ManifestError) => `config file ${file}: ${error.path ? `${error.path}: ` : ''}${error.message}`;
  if (invalid.length) throw new KelosError(line(issuesToErrors(invalid, { source: file, document: 1, prefix: '' })[0]));
  const warnings = issuesToErrors(unknown, { source: file, document: 1, prefix: '' }).map((error) => `${line(error)}, ignored`);
  for (const issue of unknown) {
    const at = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    const parent = at.reduce<Record<string | number, unknown>>((object, key) => object[key] as Record<string, unknown>, raw as Record<string, unknown>);
    for (const key of issue.keys) delete parent[key];
  }
  return { config: configSchema.parse(raw), warnings };
}
