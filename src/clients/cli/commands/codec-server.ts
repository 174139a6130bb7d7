import { Command } from 'commander';
import { checkCodecExposure, createCodecServer } from '../../codec-server/codec-server';
import { EncryptionCodec } from '../../../host/payload-encryption/encryption-codec';
import { ENCRYPTION_KEY_VAR, generateEncryptionKey, keyRingFromEnv } from '../../../host/payload-encryption/encryption-keys';
import { KelosError } from '../../kelos-api';
import { untilSignal } from './worker';

export const DEFAULT_CODEC_PORT = 8888;
export const CODEC_TOKEN_VAR = 'KELOS_CODEC_TOKEN';
export const CODEC_ALLOWED_HOSTS_VAR = 'KELOS_CODEC_ALLOWED_HOSTS';

export interface CodecServerStart {
  host: string;
  port: number;
  corsOrigins: string[];
  /** `Host:` names accepted besides loopback and the listen address (default: $KELOS_CODEC_ALLOWED_HOSTS). */
  allowedHosts?: string[];
  /** Default: $KELOS_CODEC_TOKEN. */
  token?: string;
}

/** Starts the codec endpoint with the keys of this process's environment; resolves once it listens. */
export async function startCodecServer(options: CodecServerStart): Promise<{ url: string; stop: () => Promise<void> }> {
  const keys = keyRingFromEnv();
  if (!keys.byId.size) throw new KelosError(`the codec server needs the keys that encrypt payloads: set ${ENCRYPTION_KEY_VAR}`);
  const token = options.token ?? (process.env[CODEC_TOKEN_VAR] || undefined);
  try {
    checkCodecExposure(options.host, token, CODEC_TOKEN_VAR);
  } catch (err) {
    throw new KelosError((err as Error).message);
  }
  const allowedHosts = [...(options.allowedHosts ?? hostList(process.env[CODEC_ALLOWED_HOSTS_VAR])), ...(isWildcard(options.host) ? [] : [options.host])];
  const app = createCodecServer({ codec: new EncryptionCodec(keys), corsOrigins: options.corsOrigins, allowedHosts, ...(token ? { authToken: token } : {}) });
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (err) {
    throw new KelosError(`codec server cannot listen on ${options.host}:${options.port}: ${(err as Error).message} (choose another with --codec-port)`);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { url: `http://${options.host}:${port}`, stop: () => app.close() };
}

/** A comma-separated list of host names. */
export function hostList(text: string | undefined): string[] {
  return (text ?? '').split(',').map((host) => host.trim()).filter(Boolean);
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

export function codecPort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new KelosError(`invalid codec server port "${text}"`);
  return port;
}

export function codecServerCommand(): Command {
  return new Command('codec-server')
    .description(`decrypt payloads for the Temporal Web UI and CLI (--ui-codec-endpoint / --codec-endpoint), with the keys in ${ENCRYPTION_KEY_VAR}`)
    .option('--port <port>', 'port to listen on', String(DEFAULT_CODEC_PORT))
    .option('--host <host>', `address to listen on (beyond loopback it needs ${CODEC_TOKEN_VAR})`, '127.0.0.1')
    .option('--cors-origin <origins>', 'comma-separated Web UI origins allowed to call it', 'http://localhost:8233,http://127.0.0.1:8233')
    .option('--allowed-hosts <names>', `comma-separated names clients may use in Host: besides loopback and --host (env ${CODEC_ALLOWED_HOSTS_VAR}); others get 403`)
    .action(async (opts: { port: string; host: string; corsOrigin: string; allowedHosts?: string }) => {
      const corsOrigins = opts.corsOrigin.split(',').map((origin) => origin.trim()).filter(Boolean);
      const server = await startCodecServer({ host: opts.host, port: codecPort(opts.port), corsOrigins, ...(opts.allowedHosts !== undefined ? { allowedHosts: hostList(opts.allowedHosts) } : {}) });
      console.log(`kelos codec server on ${server.url} for ${corsOrigins.join(', ')}; Ctrl-C stops it`);
      await untilSignal();
      await server.stop();
    });
}

export function encryptionKeyCommand(): Command {
  return new Command('encryption-key').description(`print a new random key for ${ENCRYPTION_KEY_VAR}`).action(() => {
    console.log(generateEncryptionKey());
  });
}
