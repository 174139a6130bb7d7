/**
 * Webhook signing secrets from the environment: `KELOS_GITHUB_WEBHOOK_SECRET`, `KELOS_LINEAR_WEBHOOK_SECRET`,
 * `KELOS_WEBHOOK_SECRET_<SOURCE>` (generic sources: upper case, `-` → `_`), each also as `<NAME>_FILE` naming a
 * file that holds it (mounted Kubernetes Secrets, Docker secrets). Read once at start.
 */
import * as fs from 'node:fs';
import { ownValue, sourceEnvSuffix, sourceFromEnvSuffix } from './source-names';

export interface BridgeSecrets {
  github?: string;
  linear?: string;
  /** Generic sources with a secret require a signature; the others are unauthenticated, as in Kelos. Read through `genericSecret`. */
  generic: Record<string, string>;
}

export const GITHUB_SECRET_VAR = 'KELOS_GITHUB_WEBHOOK_SECRET';
export const LINEAR_SECRET_VAR = 'KELOS_LINEAR_WEBHOOK_SECRET';
const GENERIC_PREFIX = 'KELOS_WEBHOOK_SECRET_';

export function genericSecretVar(source: string): string {
  return `${GENERIC_PREFIX}${sourceEnvSuffix(source)}`;
}

/** The secret of generic source `source`: its own entry only, so `constructor` finds its secret, not Object's. */
export function genericSecret(secrets: BridgeSecrets, source: string): string | undefined {
  return ownValue(secrets.generic, source);
}

export function secretsFromEnv(env: Record<string, string | undefined> = process.env): BridgeSecrets {
  // No prototype: whatever name a variable gives, it is an own key.
  const generic: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const key of Object.keys(env)) {
    const name = key.endsWith('_FILE') ? key.slice(0, -'_FILE'.length) : key;
    if (!name.startsWith(GENERIC_PREFIX) || name === GENERIC_PREFIX) continue;
    const value = read(env, name);
    if (value) generic[sourceFromEnvSuffix(name.slice(GENERIC_PREFIX.length))] = value;
  }
  return { github: read(env, GITHUB_SECRET_VAR), linear: read(env, LINEAR_SECRET_VAR), generic };
}

function read(env: Record<string, string | undefined>, name: string): string | undefined {
  const direct = env[name];
  if (direct) return direct;
  const file = env[`${name}_FILE`];
  if (!file) return undefined;
  try {
    return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '') || undefined;
  } catch (err) {
    throw new Error(`${name}_FILE: cannot read ${file}: ${(err as Error).message}`);
  }
}
