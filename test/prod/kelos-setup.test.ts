/**
 * `kelos setup` on the fresh production server (the sequencer runs this file first), through TLS with a client
 * certificate configured only by TEMPORAL_* variables: before it, a kelos command stops with the line that names
 * it; its first run registers every Kelos* search attribute in PostgreSQL visibility, the second finds them all.
 */
import * as fs from 'node:fs';
import { ALL_SEARCH_ATTRIBUTES, searchAttributeTypeName } from '../../src/store/search-attributes';
import { installTestRuntime } from '../harness/temporal';
import { prodTemporal } from '../harness/prod/prod-temporal';
import { ensureKelosSetup, kelos, newKelosHome } from '../harness/prod/kelos-processes';

const bed = prodTemporal();
const home = newKelosHome('setup-test');

beforeAll(() => installTestRuntime());
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

test('kelos setup registers the search attributes on the fresh server, then finds them present', async () => {
  const before = kelos(bed, { home }, ['get', 'tasks']);
  expect(before.code).not.toBe(0);
  expect(before.stderr.trim()).toMatch(/^error: Temporal namespace "default" lacks search attributes .*KelosKind.*: run kelos setup$/);

  const first = kelos(bed, { home }, ['setup']);
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(/^namespace default: already present/m);
  for (const key of ALL_SEARCH_ATTRIBUTES) {
    expect(first.stdout).toContain(`search attribute ${key.name} (${searchAttributeTypeName(key.type)}): created`);
  }

  const second = kelos(bed, { home }, ['setup']);
  expect(second.code).toBe(0);
  for (const key of ALL_SEARCH_ATTRIBUTES) {
    expect(second.stdout).toContain(`search attribute ${key.name} (${searchAttributeTypeName(key.type)}): already present`);
  }
  expect(second.stdout).not.toMatch(/created|cannot/);

  // The server holds them as kelos needs them: the CLI's start-time check passes.
  const after = kelos(bed, { home }, ['get', 'tasks']);
  expect(after.stderr).toBe('');
  expect(after.code).toBe(0);
  ensureKelosSetup(bed);
});
