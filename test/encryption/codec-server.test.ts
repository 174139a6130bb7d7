/** The codec endpoint the Web UI and `temporal --codec-endpoint` call, through fastify's inject (no Temporal). */
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { createCodecServer } from '../../clients/codec-server/codec-server';
import { EncryptionCodec } from '../../host/payload-encryption/encryption-codec';
import { ENCRYPTION_KEY_VAR, generateEncryptionKey, keyRingFromEnv } from '../../host/payload-encryption/encryption-keys';

const UI = 'http://localhost:8233';
const codec = new EncryptionCodec(keyRingFromEnv({ [ENCRYPTION_KEY_VAR]: generateEncryptionKey() }));
const asJson = (value: unknown) => temporal.api.common.v1.Payload.toObject(temporal.api.common.v1.Payload.create(defaultPayloadConverter.toPayload(value)), { bytes: String });

describe('codec server', () => {
  const app = createCodecServer({ codec, corsOrigins: [UI], authToken: 'sesame' });
  const auth = { authorization: 'Bearer sesame', 'content-type': 'application/json', origin: UI };
  afterAll(() => app.close());

  it('encodes to encrypted payloads and decodes them back, in proto-JSON', async () => {
    const encoded = await app.inject({ method: 'POST', url: '/encode', headers: auth, payload: { payloads: [asJson({ prompt: 'Fix #42' })] } });
    expect(encoded.statusCode).toBe(200);
    const sealed = encoded.json().payloads[0];
    expect(Buffer.from(sealed.metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    expect(encoded.headers['access-control-allow-origin']).toBe(UI);

    const decoded = await app.inject({ method: 'POST', url: '/decode', headers: auth, payload: { payloads: [sealed] } });
    expect(decoded.statusCode).toBe(200);
    const plain = decoded.json().payloads[0];
    expect(Buffer.from(plain.metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(plain.data, 'base64').toString())).toEqual({ prompt: 'Fix #42' });
  });

  it('answers the browser preflight for the UI origin only', async () => {
    const preflight = (origin: string) =>
      app.inject({ method: 'OPTIONS', url: '/decode', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
    const ui = await preflight(UI);
    expect(ui.statusCode).toBe(204);
    expect(ui.headers['access-control-allow-origin']).toBe(UI);
    expect(String(ui.headers['access-control-allow-headers'])).toContain('x-namespace');
    expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses requests without the token, bodies of the wrong shape, and payloads it cannot open', async () => {
    const noToken = await app.inject({ method: 'POST', url: '/decode', headers: { 'content-type': 'application/json' }, payload: { payloads: [] } });
    expect(noToken.statusCode).toBe(401);
    const wrongShape = await app.inject({ method: 'POST', url: '/decode', headers: auth, payload: { items: [] } });
    expect(wrongShape.statusCode).toBe(400);
    expect(wrongShape.json().message).toBe('body: expected {"payloads": [...]} as JSON');
    const otherKey = new EncryptionCodec(keyRingFromEnv({ [ENCRYPTION_KEY_VAR]: generateEncryptionKey() }));
    const [foreign] = await otherKey.encode([defaultPayloadConverter.toPayload('x')]);
    const foreignJson = temporal.api.common.v1.Payload.toObject(temporal.api.common.v1.Payload.create(foreign), { bytes: String });
    const refused = await app.inject({ method: 'POST', url: '/decode', headers: auth, payload: { payloads: [foreignJson] } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().message).toMatch(/^cannot decode: a payload is encrypted with key [0-9a-f]{16} and the keys given have IDs [0-9a-f]{16}: set KELOS_ENCRYPTION_KEY/);
  });
});
