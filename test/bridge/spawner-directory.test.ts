/**
 * The spawner directory against a fake visibility that counts list calls: one listing of the webhook spawners
 * answers every routing key for the TTL (a flood of distinct names costs no query each), lookups during a listing
 * join it, the next listing after the TTL sees spawners started and stopped, and a failed listing is asked again.
 */
import { SpawnerDirectory } from '../../src/clients/bridge/spawner-directory';
import { fakeTemporal } from './fake-temporal-client';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('spawner directory', () => {
  it('answers every routing key, known or not, from one list call within the TTL', async () => {
    const visibility = fakeTemporal({ 'generic:alerts': ['spawner/default/a', 'spawner/default/b'], 'github:issues': ['spawner/default/a'] });
    const directory = new SpawnerDirectory(visibility.client, { ttlMs: 2_000, now: clock().now });
    expect(await directory.spawnersFor('generic:alerts')).toEqual(['spawner/default/a', 'spawner/default/b']);
    expect(await directory.spawnersFor('github:issues')).toEqual(['spawner/default/a']);
    for (let i = 0; i < 10_000; i += 1) expect(await directory.spawnersFor(`generic:random-${i}`)).toEqual([]);
    expect(visibility.lists()).toBe(1);
  });

  it('lists again after the TTL: an unknown name is "no spawner" until then, and spawners started or stopped show', async () => {
    const visibility = fakeTemporal({ 'generic:old': ['spawner/default/old'] });
    const time = clock();
    const directory = new SpawnerDirectory(visibility.client, { ttlMs: 2_000, now: time.now });
    expect(await directory.spawnersFor('generic:new')).toEqual([]);
    visibility.spawners['generic:new'] = ['spawner/default/new'];
    delete visibility.spawners['generic:old'];
    expect(await directory.spawnersFor('generic:new')).toEqual([]); // remembered as none for the TTL
    expect(visibility.lists()).toBe(1);
    time.advance(2_000);
    expect(await directory.spawnersFor('generic:new')).toEqual(['spawner/default/new']);
    expect(await directory.spawnersFor('generic:old')).toEqual([]);
    expect(visibility.lists()).toBe(2);
  });

  it('lookups of any keys during a listing join it, even with a TTL of 0', async () => {
    const visibility = fakeTemporal({ 'github:issues': ['spawner/default/gh'] });
    const directory = new SpawnerDirectory(visibility.client, { ttlMs: 0, now: clock().now });
    const release = visibility.hold();
    const answers = Promise.all([...Array.from({ length: 50 }, () => directory.spawnersFor('github:issues')), directory.spawnersFor('generic:other')]);
    release();
    const settled = await answers;
    expect(settled.slice(0, 50).every((ids) => ids.join() === 'spawner/default/gh')).toBe(true);
    expect(settled[50]).toEqual([]);
    expect(visibility.lists()).toBe(1);
    await directory.spawnersFor('github:issues');
    expect(visibility.lists()).toBe(2); // TTL 0: a settled listing is not reused
  });

  it('does not keep a failed listing', async () => {
    const visibility = fakeTemporal({ 'linear:issue': ['spawner/default/l'] });
    const directory = new SpawnerDirectory(visibility.client, { ttlMs: 60_000, now: clock().now });
    visibility.failNextList();
    await expect(directory.spawnersFor('linear:issue')).rejects.toThrow(/visibility unavailable/);
    expect(await directory.spawnersFor('linear:issue')).toEqual(['spawner/default/l']);
    expect(visibility.lists()).toBe(2);
  });
});
