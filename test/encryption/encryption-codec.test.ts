/** The payload encryption codec and its keys, without Temporal: what is sealed, what opens it, what is refused. */
import { METADATA_ENCODING_KEY, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { EncryptionCodec, KEY_ID_METADATA, isEncrypted } from '../../src/host/payload-encryption/encryption-codec';
import { ENCRYPTION_KEY_VAR, OLD_ENCRYPTION_KEYS_VAR, encryptionKeyId, generateEncryptionKey, keyRingFromEnv } from '../../src/host/payload-encryption/encryption-keys';

const K1 = generateEncryptionKey();
const K2 = generateEncryptionKey();
const idOf = (key: string) => encryptionKeyId(Buffer.from(key, 'base64'));
const payload = (value: unknown) => defaultPayloadConverter.toPayload(value);
const codecWith = (env: Record<string, string>) => new EncryptionCodec(keyRingFromEnv(env));
const meta = (p: Payload, key: string) => Buffer.from(p.metadata![key]!).toString();

describe('EncryptionCodec', () => {
  it('seals metadata and data, names the key, and opens back to the same payload', async () => {
    const codec = codecWith({ [ENCRYPTION_KEY_VAR]: K1 });
    const original = payload({ prompt: 'Fix issue #42: the token is hunter2' });
    const [sealed] = await codec.encode([original]);
    expect(isEncrypted(sealed)).toBe(true);
    expect(meta(sealed, KEY_ID_METADATA)).toBe(idOf(K1));
    expect(Object.keys(sealed.metadata!)).toEqual([METADATA_ENCODING_KEY, KEY_ID_METADATA]); // json/plain is inside
    expect(Buffer.from(sealed.data!).toString('latin1')).not.toContain('hunter2');
    const [opened] = await codec.decode([sealed]);
    expect(defaultPayloadConverter.fromPayload(opened)).toEqual({ prompt: 'Fix issue #42: the token is hunter2' });
  });

  it('uses a fresh IV each time: the same value never seals to the same bytes', async () => {
    const codec = codecWith({ [ENCRYPTION_KEY_VAR]: K1 });
    const [a, b] = await codec.encode([payload('same'), payload('same')]);
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
  });

  it('passes plaintext payloads through, and writes plaintext when no current key is set', async () => {
    const plain = payload({ a: 1 });
    expect(await codecWith({ [ENCRYPTION_KEY_VAR]: K1 }).decode([plain])).toEqual([plain]);
    expect(await codecWith({}).encode([plain])).toEqual([plain]);
  });

  it('decrypts with an old key after rotation, and encrypts with the new one', async () => {
    const [before] = await codecWith({ [ENCRYPTION_KEY_VAR]: K1 }).encode([payload('written with K1')]);
    const rotated = codecWith({ [ENCRYPTION_KEY_VAR]: K2, [OLD_ENCRYPTION_KEYS_VAR]: ` ${K1} ,` });
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([before]))[0])).toBe('written with K1');
    expect(meta((await rotated.encode([payload('x')]))[0], KEY_ID_METADATA)).toBe(idOf(K2));
  });

  it('refuses a payload whose key is not given, naming the key and the variables', async () => {
    const [sealed] = await codecWith({ [ENCRYPTION_KEY_VAR]: K1 }).encode([payload('x')]);
    await expect(codecWith({ [ENCRYPTION_KEY_VAR]: K2 }).decode([sealed])).rejects.toThrow(
      `a payload is encrypted with key ${idOf(K1)} and the keys given have IDs ${idOf(K2)}: set KELOS_ENCRYPTION_KEY (or add the old key to KELOS_ENCRYPTION_OLD_KEYS)`,
    );
    await expect(codecWith({}).decode([sealed])).rejects.toThrow(`a payload is encrypted with key ${idOf(K1)} and no key is given`);
  });

  it('refuses an altered or truncated payload instead of decoding garbage', async () => {
    const codec = codecWith({ [ENCRYPTION_KEY_VAR]: K1 });
    const [sealed] = await codec.encode([payload('value')]);
    const altered = Buffer.from(sealed.data!);
    altered[20] ^= 1;
    await expect(codec.decode([{ ...sealed, data: altered }])).rejects.toThrow(`a payload encrypted with key ${idOf(K1)} does not decrypt: it was altered`);
    await expect(codec.decode([{ ...sealed, data: altered.subarray(0, 10) }])).rejects.toThrow('is truncated (10 bytes)');
  });
});

describe('keyRingFromEnv', () => {
  it('names the variable of a key that is not 32 bytes of base64', () => {
    expect(() => keyRingFromEnv({ [ENCRYPTION_KEY_VAR]: 'not a key!' })).toThrow('KELOS_ENCRYPTION_KEY: expected 32 random bytes in base64 (e.g. `openssl rand -base64 32`), got text that is not base64');
    expect(() => keyRingFromEnv({ [ENCRYPTION_KEY_VAR]: Buffer.alloc(16).toString('base64') })).toThrow('KELOS_ENCRYPTION_KEY: expected 32 random bytes in base64 (e.g. `openssl rand -base64 32`), got 16 bytes');
    expect(() => keyRingFromEnv({ [ENCRYPTION_KEY_VAR]: K1, [OLD_ENCRYPTION_KEYS_VAR]: `${K2},abc` })).toThrow('KELOS_ENCRYPTION_OLD_KEYS[1]: expected 32 random bytes');
  });

  it('is empty without variables, and derives stable IDs that do not reveal the key', () => {
    expect(keyRingFromEnv({}).byId.size).toBe(0);
    const ring = keyRingFromEnv({ [ENCRYPTION_KEY_VAR]: K1, [OLD_ENCRYPTION_KEYS_VAR]: K2 });
    expect([...ring.byId.keys()]).toEqual([idOf(K1), idOf(K2)]);
    expect(ring.current?.id).toBe(idOf(K1));
    expect(idOf(K1)).toMatch(/^[0-9a-f]{16}$/);
    expect(K1).not.toContain(idOf(K1));
  });
});
