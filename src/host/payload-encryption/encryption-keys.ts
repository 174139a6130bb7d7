/**
 * The AES-256 keys that encrypt Temporal payloads, read from the environment of each process (worker, CLI, bridge,
 * codec server). A key is never stored by Temporal: payloads name it by an ID derived from it (a hash prefix), so
 * the same key gives the same ID everywhere without a separate name to keep in step.
 */
import { createHash, randomBytes } from 'node:crypto';

export const ENCRYPTION_KEY_VAR = 'KELOS_ENCRYPTION_KEY';
export const OLD_ENCRYPTION_KEYS_VAR = 'KELOS_ENCRYPTION_OLD_KEYS';
const KEY_BYTES = 32;

export interface EncryptionKey {
  id: string;
  secret: Buffer;
}

export interface EncryptionKeyRing {
  /** Encrypts new payloads; absent: payloads are written in plaintext (encrypted ones can still be read). */
  current?: EncryptionKey;
  /** Every key that may decrypt, the current one included (old keys stay until no history uses them). */
  byId: ReadonlyMap<string, EncryptionKey>;
}

export function encryptionKeyId(secret: Buffer): string {
  return createHash('sha256').update('kelos-payload-key\0').update(secret).digest('hex').slice(0, 16);
}

/** A new random key in the form KELOS_ENCRYPTION_KEY takes. */
export function generateEncryptionKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/** KELOS_ENCRYPTION_KEY (current) and KELOS_ENCRYPTION_OLD_KEYS (comma-separated, decrypt only), base64 each. */
export function keyRingFromEnv(env: Record<string, string | undefined> = process.env): EncryptionKeyRing {
  const currentText = env[ENCRYPTION_KEY_VAR]?.trim();
  const current = currentText ? parseKey(currentText, ENCRYPTION_KEY_VAR) : undefined;
  const old = (env[OLD_ENCRYPTION_KEYS_VAR] ?? '')
    .split(',')
    .map((text) => text.trim())
    .filter(Boolean)
    .map((text, index) => parseKey(text, `${OLD_ENCRYPTION_KEYS_VAR}[${index}]`));
  const byId = new Map<string, EncryptionKey>();
  for (const key of [...(current ? [current] : []), ...old]) byId.set(key.id, key);
  return { ...(current ? { current } : {}), byId };
}

function parseKey(text: string, source: string): EncryptionKey {
  const secret = /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : undefined;
  if (!secret || secret.length !== KEY_BYTES) {
    throw new Error(`${source}: expected ${KEY_BYTES} random bytes in base64 (e.g. \`openssl rand -base64 32\`), got ${secret ? `${secret.length} bytes` : 'text that is not base64'}`);
  }
  return { id: encryptionKeyId(secret), secret };
}
