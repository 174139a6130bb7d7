/**
 * The one way kelos connects to Temporal: environment, temporal.toml profile and flags turn into the options both the
 * client's Connection and the worker's NativeConnection receive (TLS, client certificate, server name, API key,
 * gRPC headers), with errors that name the setting and never show a secret.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectClient, connectWorker, embeddedTemporal, resolveTemporalTarget } from '../../src/clients/temporal-connection';
import { installTestRuntime, testServerAddress } from '../harness/temporal';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-temporal-connection-'));
const file = (name: string, content: string): string => {
  const full = path.join(dir, name);
  fs.writeFileSync(full, content);
  return full;
};
const CA = file('ca.pem', '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n');
const CERT = file('client.pem', '-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n');
const KEY_CONTENT = '-----BEGIN PRIVATE KEY-----\nTOP-SECRET-KEY-BYTES\n-----END PRIVATE KEY-----\n';
const KEY = file('client.key', KEY_CONTENT);
/** An empty home: no ~/.config/temporalio/temporal.toml of the machine's user leaks in. */
const HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-temporal-home-'));
const bytes = (p: string): Uint8Array => Uint8Array.from(fs.readFileSync(p));

const PROFILES = file(
  'temporal.toml',
  `
[profile.default]
address = "default-host:7233"

[profile.prod]
address = "prod.example.com:7233"
namespace = "kelos-prod"
api_key = "profile-api-key"

[profile.prod.tls]
server_ca_cert_path = "${CA}"
client_cert_path = "${CERT}"
client_key_path = "${KEY}"
server_name = "temporal.internal"

[profile.prod.grpc_meta]
x-team = "agents"

[profile.plain]
address = "plain:7233"

[profile.plain.tls]
disabled = true

[profile.lenient]
address = "lenient:7233"

[profile.lenient.tls]
disable_host_verification = true
`,
);

describe('resolveTemporalTarget', () => {
  it('defaults to localhost:7233, namespace default, no TLS, no API key', () => {
    const target = resolveTemporalTarget({}, { HOME });
    expect(target.connectionOptions).toEqual({ address: 'localhost:7233' });
    expect(target.namespace).toBe('default');
    expect(target.addressGiven).toBe(false);
    expect(target.describe).toBe('localhost:7233 (namespace default)');
  });

  it('reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_API_KEY; an API key turns TLS on (Temporal Cloud)', () => {
    const target = resolveTemporalTarget({}, { HOME, TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_API_KEY: 'env-secret-key' });
    expect(target.connectionOptions).toEqual({ address: 'ns.acct.tmprl.cloud:7233', tls: true, apiKey: 'env-secret-key' });
    expect(target.namespace).toBe('ns.acct');
    expect(target.addressGiven).toBe(true);
    expect(target.describe).toBe('ns.acct.tmprl.cloud:7233 (namespace ns.acct, TLS, API key)');
    expect(target.describe).not.toContain('env-secret-key');
  });

  it('reads TEMPORAL_TLS_* into serverRootCACertificate, clientCertPair and serverNameOverride (mTLS)', () => {
    const target = resolveTemporalTarget(
      {},
      {
        HOME,
        TEMPORAL_ADDRESS: 'temporal.prod:7233',
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: CA,
        TEMPORAL_TLS_CLIENT_CERT_PATH: CERT,
        TEMPORAL_TLS_CLIENT_KEY_PATH: KEY,
        TEMPORAL_TLS_SERVER_NAME: 'frontend.temporal.svc',
      },
    );
    expect(target.connectionOptions).toEqual({
      address: 'temporal.prod:7233',
      tls: { serverRootCACertificate: bytes(CA), clientCertPair: { crt: bytes(CERT), key: bytes(KEY) }, serverNameOverride: 'frontend.temporal.svc' },
    });
    expect(target.describe).toBe('temporal.prod:7233 (namespace default, TLS with a client certificate)');
  });

  it('takes certificate data inline too (TEMPORAL_TLS_*_DATA), as from a Kubernetes Secret in the environment', () => {
    const target = resolveTemporalTarget({}, { HOME, TEMPORAL_TLS_CLIENT_CERT_DATA: 'CERT-PEM', TEMPORAL_TLS_CLIENT_KEY_DATA: 'KEY-PEM' });
    expect(target.connectionOptions.tls).toEqual({ clientCertPair: { crt: new TextEncoder().encode('CERT-PEM'), key: new TextEncoder().encode('KEY-PEM') } });
  });

  it('reads a temporal.toml profile (TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE): address, namespace, API key, TLS files, gRPC headers', () => {
    const target = resolveTemporalTarget({}, { HOME, TEMPORAL_CONFIG_FILE: PROFILES, TEMPORAL_PROFILE: 'prod' });
    expect(target.connectionOptions).toEqual({
      address: 'prod.example.com:7233',
      apiKey: 'profile-api-key',
      tls: { serverRootCACertificate: bytes(CA), clientCertPair: { crt: bytes(CERT), key: bytes(KEY) }, serverNameOverride: 'temporal.internal' },
      metadata: { 'x-team': 'agents' },
    });
    expect(target.namespace).toBe('kelos-prod');
    expect(target.describe).toBe('prod.example.com:7233 (namespace kelos-prod, TLS with a client certificate, API key)');
  });

  it('lets the environment override the profile, and flags override both', () => {
    const env = { HOME, TEMPORAL_CONFIG_FILE: PROFILES, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'from-env', TEMPORAL_ADDRESS: 'env-host:7233' };
    const fromEnv = resolveTemporalTarget({}, env);
    expect([fromEnv.address, fromEnv.namespace, fromEnv.connectionOptions.apiKey]).toEqual(['env-host:7233', 'from-env', 'profile-api-key']);
    const fromFlags = resolveTemporalTarget({ address: 'flag-host:7233', temporalNamespace: 'from-flag', apiKey: 'flag-key' }, env);
    expect([fromFlags.address, fromFlags.namespace, fromFlags.connectionOptions.apiKey]).toEqual(['flag-host:7233', 'from-flag', 'flag-key']);
    expect(fromFlags.connectionOptions.tls).toMatchObject({ serverNameOverride: 'temporal.internal' });
  });

  it('takes --profile and --config-file over TEMPORAL_PROFILE and TEMPORAL_CONFIG_FILE', () => {
    const other = file('other.toml', '[profile.x]\naddress = "x-host:7233"\nnamespace = "x"\n');
    const target = resolveTemporalTarget({ configFile: other, profile: 'x' }, { HOME, TEMPORAL_CONFIG_FILE: PROFILES, TEMPORAL_PROFILE: 'prod' });
    expect([target.address, target.namespace, target.connectionOptions.tls]).toEqual(['x-host:7233', 'x', undefined]);
  });

  it('reads the default profile of ~/.config/temporalio/temporal.toml as the temporal CLI does', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-temporal-home-'));
    fs.mkdirSync(path.join(home, '.config', 'temporalio'), { recursive: true });
    fs.copyFileSync(PROFILES, path.join(home, '.config', 'temporalio', 'temporal.toml'));
    expect(resolveTemporalTarget({}, { HOME: home }).address).toBe('default-host:7233');
  });

  it('turns TLS off when the profile or TEMPORAL_TLS=false says so, even with an API key', () => {
    expect(resolveTemporalTarget({ profile: 'plain' }, { HOME, TEMPORAL_CONFIG_FILE: PROFILES }).connectionOptions).toEqual({ address: 'plain:7233', tls: false });
    expect(resolveTemporalTarget({}, { HOME, TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' }).connectionOptions).toEqual({ address: 'localhost:7233', tls: false, apiKey: 'k' });
  });

  it('passes TEMPORAL_GRPC_META_* as request headers', () => {
    expect(resolveTemporalTarget({}, { HOME, TEMPORAL_GRPC_META_X_TENANT: 'blue' }).connectionOptions.metadata).toEqual({ 'x-tenant': 'blue' });
  });

  it('gives the embedded dev server a plain connection whatever the environment says', () => {
    const saved = { ...process.env };
    Object.assign(process.env, { TEMPORAL_API_KEY: 'k', TEMPORAL_TLS_SERVER_NAME: 'x' });
    try {
      expect(embeddedTemporal('127.0.0.1:7233').connectionOptions).toEqual({ address: '127.0.0.1:7233' });
    } finally {
      process.env = saved;
    }
  });

  describe('errors name the setting, never a secret', () => {
    const message = (fn: () => unknown): string => {
      try {
        fn();
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('no error');
    };

    it('a profile that is not in the file', () => {
      expect(message(() => resolveTemporalTarget({}, { HOME, TEMPORAL_CONFIG_FILE: PROFILES, TEMPORAL_PROFILE: 'staging' }))).toBe(`Temporal profile "staging" (TEMPORAL_PROFILE) is not in ${PROFILES}`);
      expect(message(() => resolveTemporalTarget({ profile: 'staging' }, { HOME }))).toBe(`Temporal profile "staging" (--profile) is not in ${path.join(HOME, '.config', 'temporalio', 'temporal.toml')}`);
    });

    it('a config file that does not exist', () => {
      expect(message(() => resolveTemporalTarget({ configFile: '/nowhere/temporal.toml' }, { HOME }))).toBe('Temporal config file /nowhere/temporal.toml does not exist (--config-file)');
      expect(message(() => resolveTemporalTarget({}, { HOME, TEMPORAL_CONFIG_FILE: '/nowhere/t.toml' }))).toBe('Temporal config file /nowhere/t.toml does not exist (TEMPORAL_CONFIG_FILE)');
    });

    it('a config file that is not TOML', () => {
      const bad = file('bad.toml', '[profile.x\naddress = ');
      expect(message(() => resolveTemporalTarget({}, { HOME, TEMPORAL_CONFIG_FILE: bad }))).toMatch(new RegExp(`^cannot read Temporal config file ${bad}: `));
    });

    it('a key file that cannot be read', () => {
      expect(message(() => resolveTemporalTarget({}, { HOME, TEMPORAL_TLS_CLIENT_CERT_PATH: CERT, TEMPORAL_TLS_CLIENT_KEY_PATH: '/nowhere/client.key' }))).toBe(
        'cannot read the TLS client key (TEMPORAL_TLS_CLIENT_KEY_PATH / tls.client_key_path) /nowhere/client.key: ENOENT',
      );
    });

    it('a client certificate without its key (the SDK would silently connect without one)', () => {
      expect(message(() => resolveTemporalTarget({}, { HOME, TEMPORAL_TLS_CLIENT_CERT_PATH: CERT }))).toBe(
        'a TLS client certificate needs its key and the other way round: the TLS client key (TEMPORAL_TLS_CLIENT_KEY_PATH or _DATA / tls.client_key_path) is not set',
      );
    });

    it('host verification turned off (the TypeScript SDK cannot), from the environment or a profile', () => {
      const expected = /^TLS host verification cannot be turned off in kelos \(TEMPORAL_TLS_DISABLE_HOST_VERIFICATION or tls.disable_host_verification/;
      expect(message(() => resolveTemporalTarget({}, { HOME, TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' }))).toMatch(expected);
      expect(message(() => resolveTemporalTarget({ profile: 'lenient' }, { HOME, TEMPORAL_CONFIG_FILE: PROFILES }))).toMatch(expected);
    });

    it('never shows the API key or the key file content', () => {
      const all = [
        message(() => resolveTemporalTarget({ apiKey: 'flag-secret' }, { HOME, TEMPORAL_TLS_CLIENT_KEY_PATH: KEY })),
        resolveTemporalTarget({ apiKey: 'flag-secret' }, { HOME, TEMPORAL_TLS_CLIENT_CERT_PATH: CERT, TEMPORAL_TLS_CLIENT_KEY_PATH: KEY }).describe,
      ].join('\n');
      expect(all).not.toContain('flag-secret');
      expect(all).not.toContain('TOP-SECRET-KEY-BYTES');
    });
  });
});

describe('connecting with the resolved settings (the test dev server: plain, no authentication)', () => {
  beforeAll(() => installTestRuntime());

  it('reaches the server through TEMPORAL_ADDRESS alone, as a client and as a worker', async () => {
    const target = resolveTemporalTarget({}, { HOME, TEMPORAL_ADDRESS: testServerAddress() });
    const client = await connectClient(target);
    const worker = await connectWorker(target);
    expect((await client.workflowService.getSystemInfo({})).serverVersion).toBeTruthy();
    expect((await worker.workflowService.getSystemInfo({})).serverVersion).toBeTruthy();
    await client.close();
    await worker.close();
  });

  it('hands TLS to both connections: a TLS handshake with this plain server fails, with a message that names the settings', async () => {
    const target = resolveTemporalTarget({}, { HOME, TEMPORAL_ADDRESS: testServerAddress(), TEMPORAL_TLS: 'true' });
    const expected = `cannot reach Temporal at ${testServerAddress()}: check the address, the TLS and API key settings (TEMPORAL_* variables, temporal.toml profile)`;
    await expect(connectClient(target, 2_000)).rejects.toThrow(expected);
    await expect(connectWorker(target)).rejects.toThrow(expected);
  }, 60_000);

  it('connects with an API key over both connections (TLS turned off for this plain server)', async () => {
    const target = resolveTemporalTarget({ apiKey: 'kelos-test-api-key' }, { HOME, TEMPORAL_ADDRESS: testServerAddress(), TEMPORAL_TLS: 'false' });
    expect(target.connectionOptions).toMatchObject({ apiKey: 'kelos-test-api-key', tls: false });
    const client = await connectClient(target);
    const worker = await connectWorker(target);
    await client.workflowService.getSystemInfo({});
    await worker.workflowService.getSystemInfo({});
    await client.close();
    await worker.close();
  });
});
