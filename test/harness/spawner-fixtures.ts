/** A signal-fed TaskSpawner whose Tasks run the scripted test agent, and items for it: shared by the spawner tests. */
import * as path from 'node:path';
import type { WorkItem } from '../../src/sources/work-item';
import type { SpawnerManifest } from '../../src/clients/kelos-api';

const IMAGE = path.resolve(__dirname, '../fixtures/images/scripted-agent.sh');

export interface SpawnerFixtureOptions {
  maxConcurrency?: number;
  /** Seconds each agent sleeps (default 1). */
  sleep?: string;
  /** The agents append start/end lines here (see scripted-agent.sh). */
  eventsFile?: string;
  suspend?: boolean;
}

export function signalledSpawner(name: string, opts: SpawnerFixtureOptions = {}): SpawnerManifest {
  const env = [{ name: 'AGENT_SLEEP', value: opts.sleep ?? '1' }, ...(opts.eventsFile ? [{ name: 'AGENT_EVENTS_FILE', value: opts.eventsFile }] : [])];
  return {
    apiVersion: 'kelos.dev/v1alpha2',
    kind: 'TaskSpawner',
    metadata: { name, namespace: 'default' },
    spec: {
      when: { webhook: { source: 'test', fieldMapping: { id: '$.id' } } },
      ...(opts.maxConcurrency ? { maxConcurrency: opts.maxConcurrency } : {}),
      ...(opts.suspend ? { suspend: true } : {}),
      taskTemplate: {
        worker: { type: 'claude-code', credentials: { type: 'none' }, image: IMAGE, podOverrides: { env } },
        promptTemplate: 'Handle item {{.ID}}',
        nameTemplate: `${name}-{{.ID}}`,
      },
    },
  };
}

/** One item per ID, each with its own delivery ID. */
export function itemsFor(ids: string[]): WorkItem[] {
  return ids.map((id) => ({ id, vars: { ID: id, Title: `item ${id}` }, labels: [], deliveryId: `delivery-${id}` }));
}
