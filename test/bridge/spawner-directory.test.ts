/**
 * The spawner directory's cache against a fake visibility that counts list calls: answers (also "no spawner") are
 * reused for the TTL, concurrent lookups of one key share a call, the number of keys remembered is bounded (least
 * recently used forgotten first), a failed lookup is asked again, and list calls at once are bounded (a key with
 * spawners then gets its last answer, any other key a DirectoryBusyError).
 */
import { DirectoryBusyError, SpawnerDirectory, type VisibilityClient } from '../../clients/bridge/spawner-directory';
import { routingKeyOf } from './fake-temporal-client';

function countingVisibility(spawners: Record<string, string[]> = {}) {
  const calls: string[] = [];
  let failNext = false;
  let gate: Promise<void> | undefined;
  const client: VisibilityClient = {
    workflow: {
      list: ({ query }) => {
        const key = routingKeyOf(query);
        calls.push(key);
        const fail = failNext;
        failNext = false;
        const waitFor = gate;
        return (async function* () {
          await waitFor;
          if (fail) throw new Error('visibility unavailable');
          for (const workflowId of Object.hasOwn(spawners, key) ? spawners[key] : []) yield { workflowId };
        })();
      },
    },
  };
  return {
    client,
    calls,
    failOnce: () => void (failNext = true),
    /** Holds every list call started until the returned function is called. */
    hold: () => {
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('spawner directory', () => {
  it('remembers "no spawner" for an unknown key for the TTL, then asks again', async () => {
    const visibility = countingVisibility();
    const time = clock();
    const directory = new SpawnerDirectory(visibility.client, { ttlMs: 2_000, now: time.now });
    expect(await directory.spawnersFor('generic:nobody')).toEqual([]);
    expect(await directory.spawnersFor('generic:nobody')).toEqual([]);
    expect(visibility.calls).toEqual(['generic:nobody']);
    time.advance(2_001);
    expect(await directory.spawnersFor('generic:nobody')).toEqual([]);
    expect(visibility.calls).toEqual(['generic:nobody', 'generic:nobody']);
  });

  it('reuses a found spawner list for the TTL', async () => {
    const visibility = countingVisibility({ 'generic:alerts': ['spawner/default/a', 'spawner/default/b'] });
    const directory = new SpawnerDirectory(visibility.client, { ttlMs: 2_000, now: clock().now });
    expect(await directory.spawnersFor('generic:alerts')).toEqual(['spawner/default/a', 'spawner/default/b']);
    expect(await directory.spawnersFor('generic:alerts')).toEqual(['spawner/default/a', 'spawner/default/b']);
    expect(visibility.calls).toHaveLength(1);
  });

  it('concurrent lookups of one key share one list call, even with a TTL of 0', async () => {
    const visibility = countingVisibility({ 'github:issues': ['spawner/default/gh'] });
    const directory = new SpawnerDirectory(visibility.client, { ttlMs: 0, now: clock().now });
    const release = visibility.hold();
    const answers = Promise.all(Array.from({ length: 50 }, () => directory.spawnersFor('github:issues')));
    release();
    expect(new Set((await answers).map((ids) => ids.join()))).toEqual(new Set(['spawner/default/gh']));
    expect(visibility.calls).toEqual(['github:issues']);
    await directory.spawnersFor('github:issues');
    expect(visibility.calls).toHaveLength(2); // TTL 0: settled answers are not reused
  });

  it('holds at most maxEntries keys, forgetting the least recently used first', async () => {
    const visibility = countingVisibility();
    const directory = new SpawnerDirectory(visibility.client, { ttlMs: 60_000, maxEntries: 2, now: clock().now });
    await directory.spawnersFor('generic:a');
    await directory.spawnersFor('generic:b');
    await directory.spawnersFor('generic:a'); // a is now more recent than b
    await directory.spawnersFor('generic:c'); // evicts b
    const before = visibility.calls.length;
    await directory.spawnersFor('generic:a');
    await directory.spawnersFor('generic:c');
    expect(visibility.calls.length).toBe(before);
    await directory.spawnersFor('generic:b');
    expect(visibility.calls.length).toBe(before + 1);
  });

  it('a flood of distinct names leaves only the bound: the first name is forgotten', async () => {
    const visibility = countingVisibility();
    const directory = new SpawnerDirectory(visibility.client, { ttlMs: 60_000, maxEntries: 100, now: clock().now });
    for (let i = 0; i < 1_000; i += 1) await directory.spawnersFor(`generic:random-${i}`);
    const before = visibility.calls.length;
    await directory.spawnersFor('generic:random-999');
    expect(visibility.calls.length).toBe(before); // recent: still remembered
    await directory.spawnersFor('generic:random-0');
    expect(visibility.calls.length).toBe(before + 1); // long evicted
  });

  it('does not keep a failed lookup', async () => {
    const visibility = countingVisibility({ 'linear:issue': ['spawner/default/l'] });
    const directory = new SpawnerDirectory(visibility.client, { ttlMs: 60_000, now: clock().now });
    visibility.failOnce();
    await expect(directory.spawnersFor('linear:issue')).rejects.toThrow(/visibility unavailable/);
    expect(await directory.spawnersFor('linear:issue')).toEqual(['spawner/default/l']);
    expect(visibility.calls).toHaveLength(2);
  });

  it('runs at most maxConcurrentLists list calls: another key is refused, the same key joins its call', async () => {
    const visibility = countingVisibility({ 'generic:a': ['spawner/default/a'] });
    const directory = new SpawnerDirectory(visibility.client, { ttlMs: 60_000, maxConcurrentLists: 1, now: clock().now });
    const release = visibility.hold();
    const first = directory.spawnersFor('generic:a');
    const joined = directory.spawnersFor('generic:a');
    await expect(directory.spawnersFor('generic:random-1')).rejects.toThrow(DirectoryBusyError);
    release();
    expect(await first).toEqual(['spawner/default/a']);
    expect(await joined).toEqual(['spawner/default/a']);
    expect(visibility.calls).toEqual(['generic:a']);
    expect(await directory.spawnersFor('generic:random-1')).toEqual([]); // a free slot again
  });

  it('while the list calls are busy, a key known to have spawners gets its last answer; a key known to have none is refused', async () => {
    const visibility = countingVisibility({ 'generic:real': ['spawner/default/real'] });
    const time = clock();
    const directory = new SpawnerDirectory(visibility.client, { ttlMs: 1_000, maxConcurrentLists: 1, now: time.now });
    expect(await directory.spawnersFor('generic:real')).toEqual(['spawner/default/real']);
    expect(await directory.spawnersFor('generic:empty')).toEqual([]);
    time.advance(1_001);
    const release = visibility.hold();
    const busy = directory.spawnersFor('generic:other'); // takes the only slot
    const calls = visibility.calls.length;
    expect(await directory.spawnersFor('generic:real')).toEqual(['spawner/default/real']);
    await expect(directory.spawnersFor('generic:empty')).rejects.toThrow(DirectoryBusyError);
    expect(visibility.calls.length).toBe(calls);
    release();
    await busy;
  });
});
