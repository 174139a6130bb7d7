/**
 * `kelos dev --ip 0.0.0.0` with encryption exposes its codec server beyond this machine: it must then ask for a
 * token, and say where the generated one is (a private file), instead of decrypting for anyone who can reach it.
 */
import { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../src/clients/dev/temporal-dev-server';
import { generateEncryptionKey } from '../../src/host/payload-encryption/encryption-keys';
import { startKelosDev, stopKelosDev } from '../harness/kelos-cli';

let home: string;
let dev: ChildProcess | undefined;

beforeAll(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-dev-codec-'));
});
afterAll(async () => {
  if (dev) await stopKelosDev(dev);
  fs.rmSync(home, { recursive: true, force: true });
});

it('generates a codec token when listening on 0.0.0.0, says so, and asks for it', async () => {
  const codecPort = await freePort();
  const env = { KELOS_ENCRYPTION_KEY: generateEncryptionKey(), KELOS_CODEC_TOKEN: '' };
  const args = ['--ip', '0.0.0.0', '--port', String(await freePort()), '--ui-port', String(await freePort()), '--codec-port', String(codecPort), '--no-bridge'];
  const started = await startKelosDev({ home, env }, args);
  dev = started.process;
  const tokenFile = path.join(home, 'dev', 'codec-token');
  expect(started.output()).toContain(`  Codec:      0.0.0.0 is beyond loopback, so the codec server needs a token: generated into ${tokenFile} (set KELOS_CODEC_TOKEN to choose one)`);
  expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
  const token = fs.readFileSync(tokenFile, 'utf8').trim();
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

  const decode = (authorization?: string) =>
    fetch(`http://127.0.0.1:${codecPort}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: '{"payloads":[]}' });
  expect((await decode()).status).toBe(401);
  expect((await decode('Bearer not-the-token')).status).toBe(401);
  expect((await decode(`Bearer ${token}`)).status).toBe(200);

  expect(await stopKelosDev(dev)).toBe(0);
  dev = undefined;
}, 180_000);
