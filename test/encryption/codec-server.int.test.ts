/**
 * The codec endpoint the Web UI and `temporal --codec-endpoint` call, through fastify's inject and over a real
 * socket (no Temporal): payloads, CORS, the token (compared in constant time), the Host allow-list against DNS
 * rebinding, and `kelos codec-server` refusing to listen beyond loopback without a token.
 */
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { createCodecServer } from '../../src/clients/codec-server/codec-server';
import { EncryptionCodec } from '../../src/host/payload-encryption/encryption-codec';
import { ENCRYPTION_KEY_VAR, generateEncryptionKey, keyRingFromEnv } from '../../src/host/payload-encryption/encryption-keys';
import { freePort } from '../../src/clients/dev/temporal-dev-server';
import { KELOS_ROOT, runKelos } from '../harness/kelos-cli';

// Calls through to the real comparison; lets a test see that tokens are compared with it.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});

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

  it('compares the token exactly: wrong, shorter, longer or differently spaced tokens get 401, the right one 200', async () => {
    const decode = (authorization?: string) =>
      app.inject({ method: 'POST', url: '/decode', headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) }, payload: { payloads: [] } });
    for (const wrong of ['Bearer sesamE', 'Bearer sesam', 'Bearer sesame-and-more', 'Bearer  sesame', 'bearer sesame', 'sesame', '']) {
      expect([wrong, (await decode(wrong)).statusCode]).toEqual([wrong, 401]);
    }
    expect((await decode('Bearer sesame')).statusCode).toBe(200);
  });

  it('compares in constant time: each check is crypto.timingSafeEqual over two equal-length digests', async () => {
    const compare = crypto.timingSafeEqual as jest.MockedFunction<typeof crypto.timingSafeEqual>;
    for (const authorization of ['Bearer x', `Bearer ${'x'.repeat(5_000)}`]) {
      compare.mockClear();
      const answer = await app.inject({ method: 'POST', url: '/decode', headers: { authorization, 'content-type': 'application/json' }, payload: { payloads: [] } });
      expect(answer.statusCode).toBe(401);
      expect(compare).toHaveBeenCalledTimes(1);
      const [a, b] = compare.mock.calls[0] as [Buffer, Buffer];
      expect([a.length, b.length]).toEqual([32, 32]);
    }
  });
});

describe('codec server Host allow-list (DNS rebinding)', () => {
  const app = createCodecServer({ codec, corsOrigins: [UI], allowedHosts: ['codec.internal'] });
  afterAll(() => app.close());
  const decode = (host: string, extra: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/decode', headers: { host, 'content-type': 'application/json', ...extra }, payload: { payloads: [] } });

  it('answers loopback names and the configured ones', async () => {
    for (const host of ['localhost:8888', '127.0.0.1:8888', '[::1]:8888', 'LOCALHOST', 'codec.internal:8888', 'codec.internal.']) {
      expect([host, (await decode(host)).statusCode]).toEqual([host, 200]);
    }
  });

  it('refuses any other Host with 403 before decoding or answering CORS, preflight included', async () => {
    for (const host of ['rebind.attacker.example:8888', 'localhost.attacker.example', '127.0.0.1.nip.io:8888', '10.0.0.5:8888', 'codec.internal:8888@evil']) {
      const answer = await decode(host, { origin: UI });
      expect([host, answer.statusCode]).toEqual([host, 403]);
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    }
    const preflight = await app.inject({ method: 'OPTIONS', url: '/decode', headers: { host: 'rebind.attacker.example', origin: UI, 'access-control-request-method': 'POST' } });
    expect(preflight.statusCode).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('does the same over a real socket', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const post = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const request = http.request({ host: '127.0.0.1', port, path: '/decode', method: 'POST', headers: { host, 'content-type': 'application/json' } }, (res) => (res.resume(), resolve(res.statusCode ?? 0)));
        request.on('error', reject);
        request.end('{"payloads":[]}');
      });
    expect(await post(`rebind.attacker.example:${port}`)).toBe(403);
    expect(await post(`127.0.0.1:${port}`)).toBe(200);
    expect(await post(`localhost:${port}`)).toBe(200);
  });
});

describe('kelos codec-server', () => {
  const env = { [ENCRYPTION_KEY_VAR]: generateEncryptionKey(), KELOS_CODEC_TOKEN: '' };
  const home = path.join(os.tmpdir(), 'kelos-codec-cli-unused');

  it('refuses to listen beyond loopback without a token, saying why', () => {
    const out = runKelos({ address: '127.0.0.1:1', home, env }, ['codec-server', '--host', '0.0.0.0', '--port', '0']);
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(
      'error: the codec server would listen on 0.0.0.0, beyond this machine, and decrypt payloads for anyone who reaches it: set KELOS_CODEC_TOKEN (clients then send `Authorization: Bearer <token>`) or listen on 127.0.0.1\n',
    );
  });

  it('listens on 0.0.0.0 with a token, and then asks for it', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(KELOS_ROOT, 'bin', 'kelos.js'), 'codec-server', '--host', '0.0.0.0', '--port', String(port)], {
      env: { ...process.env, ...env, KELOS_CODEC_TOKEN: 'open-sesame' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const deadline = Date.now() + 30_000;
      while (!output.includes('kelos codec server on')) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`codec server did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const post = (authorization?: string) => fetch(`http://127.0.0.1:${port}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: '{"payloads":[]}' });
      expect((await post()).status).toBe(401);
      expect((await post('Bearer open-sesame')).status).toBe(200);
    } finally {
      child.kill('SIGINT');
    }
  });
});
