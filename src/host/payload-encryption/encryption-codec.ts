/**
 * A PayloadCodec that seals each whole Payload (metadata and data) with AES-256-GCM, so the Temporal server, its
 * database and anyone reading history see only `binary/encrypted` blobs and the key's ID. GCM's tag makes a
 * tampered or truncated payload fail to decrypt instead of decoding into something else.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ENCRYPTION_KEY_VAR, OLD_ENCRYPTION_KEYS_VAR, type EncryptionKeyRing } from './encryption-keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : '');

export function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;
}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: EncryptionKeyRing) {}

  /** Without a current key payloads stay as they are: turning encryption on later needs no migration. */
  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.current;
    if (!key) return payloads;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key.secret, iv);
      const sealed = Buffer.concat([iv, cipher.update(temporal.api.common.v1.Payload.encode(payload).finish()), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(key.id) }, data: sealed };
    });
  }

  /** Plaintext payloads (written before encryption was on, or by a plain `temporal workflow start`) pass through. */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.open(payload) : payload));
  }

  private open(payload: Payload): Payload {
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
    const key = this.keys.byId.get(keyId);
    if (!key) {
      const known = this.keys.byId.size ? `the keys given have IDs ${[...this.keys.byId.keys()].join(', ')}` : `no key is given`;
      throw new Error(`a payload is encrypted with key ${keyId || '(no ID)'} and ${known}: set ${ENCRYPTION_KEY_VAR} (or add the old key to ${OLD_ENCRYPTION_KEYS_VAR})`);
    }
    const sealed = Buffer.from(payload.data ?? new Uint8Array());
    if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error(`a payload encrypted with key ${keyId} is truncated (${sealed.length} bytes)`);
    const decipher = createDecipheriv('aes-256-gcm', key.secret, sealed.subarray(0, IV_BYTES));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new Error(`a payload encrypted with key ${keyId} does not decrypt: it was altered, or the key with that ID is not the one that wrote it`);
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}
