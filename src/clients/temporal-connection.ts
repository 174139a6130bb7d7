/**
 * The one way every kelos process (CLI, worker, bridge, controller, `kelos status`) connects to Temporal: Temporal's
 * standard client configuration, as the `temporal` CLI reads it — a `temporal.toml` profile (`TEMPORAL_CONFIG_FILE`,
 * `TEMPORAL_PROFILE`), then the environment (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`,
 * `TEMPORAL_TLS*`, `TEMPORAL_GRPC_META_*`), then flags. `@temporalio/envconfig` reads the first two; this module adds
 * the flags, refuses what the TypeScript SDK cannot do, names the setting behind a file it cannot read, and builds the
 * same options for the client's `Connection` and the worker's `NativeConnection`. Secrets (the API key, key files'
 * contents) never appear in a message: `describe` says only which kinds of credentials are in use.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { fromTomlProfile, toClientOptions, type ClientConfigProfile, type ConfigDataSource } from '@temporalio/envconfig';
// The raw TOML profile: the only place `disable_host_verification` survives (the SDK's profile type drops it).
import { tomlLoadClientConfigProfile } from '@temporalio/envconfig/lib/envconfig-toml';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { KelosError } from './kelos-api';

export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

/** What a person can pass on the command line; each overrides the profile and the environment. */
export interface TemporalFlags {
  address?: string;
  temporalNamespace?: string;
  apiKey?: string;
  /** `temporal.toml` profile name (env TEMPORAL_PROFILE, default "default"). */
  profile?: string;
  /** `temporal.toml` path (env TEMPORAL_CONFIG_FILE, default ~/.config/temporalio/temporal.toml). */
  configFile?: string;
}

/** Options both `Connection.connect` and `NativeConnection.connect` take, with the same meaning. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

export interface TemporalTarget {
  address: string;
  namespace: string;
  connectionOptions: TemporalConnectionOptions;
  /** `host:port (namespace x, TLS with a client certificate, API key)`: for logs and errors, never a secret. */
  describe: string;
  /** False when no flag, variable or profile named an address (the default applies): `kelos status` then asks `kelos dev`'s. */
  addressGiven: boolean;
}

/** Resolves the connection settings. `env` defaults to the process's environment (tests pass their own). */
export function resolveTemporalTarget(flags: TemporalFlags = {}, env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const envVars = definedOnly(env);
  const configFile = flags.configFile ?? envVars.TEMPORAL_CONFIG_FILE;
  if (configFile !== undefined && !fs.existsSync(configFile)) {
    throw new KelosError(`Temporal config file ${configFile} does not exist (${flags.configFile !== undefined ? '--config-file' : 'TEMPORAL_CONFIG_FILE'})`);
  }
  const configPlace = configFile ?? defaultConfigFile(envVars);
  const profileName = flags.profile ?? envVars.TEMPORAL_PROFILE;
  let raw: ReturnType<typeof tomlLoadClientConfigProfile>;
  try {
    raw = tomlLoadClientConfigProfile({
      ...(configFile !== undefined ? { configSource: { path: configFile } } : {}),
      ...(profileName !== undefined ? { profile: profileName } : {}),
      overrideEnvVars: envVars,
    });
  } catch (err) {
    const message = (err as Error).message;
    if (/^Profile '.*' not found/.test(message)) {
      throw new KelosError(`Temporal profile "${profileName}" (${flags.profile !== undefined ? '--profile' : 'TEMPORAL_PROFILE'}) is not in ${configPlace ?? 'any config file'}`);
    }
    throw new KelosError(`cannot read Temporal config file ${configPlace ?? ''}: ${message.split('\n')[0]}`);
  }
  if (raw.tls?.disable_host_verification) {
    throw new KelosError(
      'TLS host verification cannot be turned off in kelos (TEMPORAL_TLS_DISABLE_HOST_VERIFICATION or tls.disable_host_verification; the Temporal TypeScript SDK always verifies): set TEMPORAL_TLS_SERVER_NAME to a name in the server\'s certificate instead',
    );
  }
  let profile: ClientConfigProfile;
  try {
    profile = fromTomlProfile(raw);
  } catch (err) {
    throw new KelosError(`invalid Temporal profile in ${configPlace ?? 'the config file'}: ${(err as Error).message}`);
  }
  const addressGiven = Boolean(flags.address || profile.address);
  if (flags.address) profile.address = flags.address;
  if (flags.temporalNamespace) profile.namespace = flags.temporalNamespace;
  if (flags.apiKey) profile.apiKey = flags.apiKey;
  profile.address ||= DEFAULT_TEMPORAL_ADDRESS;
  profile.namespace ||= DEFAULT_TEMPORAL_NAMESPACE;
  checkTlsFiles(profile);

  const { connectionOptions: sdk } = toClientOptions(profile);
  const connectionOptions: TemporalConnectionOptions = {
    address: profile.address,
    ...(sdk.tls !== undefined && sdk.tls !== null ? { tls: sdk.tls } : {}),
    ...(sdk.apiKey ? { apiKey: sdk.apiKey } : {}),
    ...(sdk.metadata && Object.keys(sdk.metadata).length ? { metadata: sdk.metadata as Record<string, string> } : {}),
  };
  const target = { address: profile.address, namespace: profile.namespace, connectionOptions, addressGiven };
  return { ...target, describe: describeTarget(target) };
}

/** The embedded dev server of `kelos dev`: plain, whatever the environment says about other servers. */
export function embeddedTemporal(address: string, namespace = DEFAULT_TEMPORAL_NAMESPACE): TemporalTarget {
  const target = { address, namespace, connectionOptions: { address }, addressGiven: true };
  return { ...target, describe: describeTarget(target) };
}

/** A client connection (CLI, bridge, controller, status); fails with a message a person can act on. */
export async function connectClient(target: TemporalTarget, connectTimeoutMs = 5_000): Promise<Connection> {
  try {
    return await Connection.connect({ ...target.connectionOptions, connectTimeout: connectTimeoutMs });
  } catch (err) {
    throw unreachable(target, err);
  }
}

/** A client connection that connects on first use, so a process can start while Temporal is down (the bridge). */
export function lazyClientConnection(target: TemporalTarget): Connection {
  return Connection.lazy({ ...target.connectionOptions });
}

/** The worker's connection (Rust core), with the same settings as the client's. */
export async function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ ...target.connectionOptions });
  } catch (err) {
    throw unreachable(target, err);
  }
}

export function unreachable(target: TemporalTarget, err: unknown): KelosError {
  const reason = err instanceof Error ? err.message.split('\n')[0].slice(0, 300) : '';
  const secured = target.connectionOptions.tls || target.connectionOptions.apiKey;
  const hint = secured
    ? 'check the address, the TLS and API key settings (TEMPORAL_* variables, temporal.toml profile)'
    : 'start it with `kelos dev`, or pass --address / set TEMPORAL_ADDRESS';
  return new KelosError(`cannot reach Temporal at ${target.address}: ${hint}${secured && reason ? ` (${redact(reason, target)})` : ''}`);
}

function describeTarget(target: Omit<TemporalTarget, 'describe'>): string {
  const { tls, apiKey } = target.connectionOptions;
  const security: string[] = [];
  if (tls) security.push(typeof tls === 'object' && tls.clientCertPair ? 'TLS with a client certificate' : 'TLS');
  if (apiKey) security.push('API key');
  return `${target.address} (namespace ${target.namespace}${security.length ? `, ${security.join(', ')}` : ''})`;
}

/** A file named by a setting must be readable; the error names the setting (never the content). */
function checkTlsFiles(profile: ClientConfigProfile): void {
  const tls = profile.tls;
  if (!tls || tls.disabled) return;
  const files: [ConfigDataSource | undefined, string][] = [
    [tls.serverCACert, 'TLS server CA certificate (TEMPORAL_TLS_SERVER_CA_CERT_PATH / tls.server_ca_cert_path)'],
    [tls.clientCert, 'TLS client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH / tls.client_cert_path)'],
    [tls.clientKey, 'TLS client key (TEMPORAL_TLS_CLIENT_KEY_PATH / tls.client_key_path)'],
  ];
  for (const [source, what] of files) {
    if (!source || !('path' in source)) continue;
    try {
      fs.accessSync(source.path, fs.constants.R_OK);
    } catch (err) {
      throw new KelosError(`cannot read the ${what} ${source.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (Boolean(tls.clientCert) !== Boolean(tls.clientKey)) {
    const missing = tls.clientCert ? 'TLS client key (TEMPORAL_TLS_CLIENT_KEY_PATH or _DATA / tls.client_key_path)' : 'TLS client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH or _DATA / tls.client_cert_path)';
    throw new KelosError(`a TLS client certificate needs its key and the other way round: the ${missing} is not set`);
  }
}

/** Where the SDK looks when nothing names a file (for messages only). */
function defaultConfigFile(env: Record<string, string>): string | undefined {
  const base = env.XDG_CONFIG_HOME || (env.HOME ? path.join(env.HOME, '.config') : os.platform() === 'win32' ? env.APPDATA : undefined);
  return base ? path.join(base, 'temporalio', 'temporal.toml') : undefined;
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Connection errors can echo request metadata on some paths: never let the API key through. */
function redact(text: string, target: TemporalTarget): string {
  const key = target.connectionOptions.apiKey;
  return key ? text.split(key).join('<api key>') : text;
}
