/**
 * The local secret store reading Kubernetes Secrets mounted as volumes (a WorkerPool member's Pod): one file per key
 * under `<mounts>/<ns>/<name>/`, the kubelet's `..data` entries not keys; the store's own secret wins; a missing one
 * is still the store's clear error, and names are still checked before they become paths.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalSecretStore, SecretNotFoundError } from '../../src/host/secret-store';

function mountedSecret(root: string, namespace: string, name: string, data: Record<string, string>): void {
  // As the kubelet lays a Secret volume out: the keys are links into a timestamped directory behind `..data`.
  const dir = path.join(root, namespace, name);
  const stamped = path.join(dir, '..2026_12_05_04_00_00.000000001');
  fs.mkdirSync(stamped, { recursive: true });
  for (const [key, value] of Object.entries(data)) fs.writeFileSync(path.join(stamped, key), value);
  fs.symlinkSync(path.basename(stamped), path.join(dir, '..data'));
  for (const key of Object.keys(data)) fs.symlinkSync(path.join('..data', key), path.join(dir, key));
}

test('a mounted Secret is read when the store has none; the store\'s own wins; a missing one is not found', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-mounted-home-'));
  const mounts = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-mounted-secrets-'));
  mountedSecret(mounts, 'team-a', 'anthropic-api-key', { ANTHROPIC_API_KEY: 'sk-mounted' });
  const store = new LocalSecretStore(home, mounts);
  expect(store.get('team-a', 'anthropic-api-key')).toEqual({ ANTHROPIC_API_KEY: 'sk-mounted' });
  store.put('team-a', 'anthropic-api-key', { ANTHROPIC_API_KEY: 'sk-own' });
  expect(store.get('team-a', 'anthropic-api-key')).toEqual({ ANTHROPIC_API_KEY: 'sk-own' });
  expect(() => store.get('team-a', 'github-token')).toThrow(SecretNotFoundError);
  expect(() => store.get('team-a', '../team-b')).toThrow(/secret name/);
  // Without mounts (every other kelos process), only the store.
  expect(() => new LocalSecretStore(fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-mounted-home-')), undefined).get('team-a', 'anthropic-api-key')).toThrow(SecretNotFoundError);
});
