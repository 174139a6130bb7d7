/**
 * A stand-in for the Temporal client as the bridge uses it: visibility listings answered from a table of routing
 * keys (each spawner with its `KelosWebhookKeys`), every list call and every signal recorded. For tests of what
 * the bridge does before and around Temporal (the order of its checks, its limits, the deliveries it builds);
 * bridge.int.test.ts covers the real thing.
 */
import type { Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { WebhookDelivery } from '../../src/sources/webhooks';
import { KelosWebhookKeys } from '../../src/store/search-attributes';

export interface FakeTemporal {
  client: Client;
  /** Routing key → workflow IDs of the spawners listening to it; change it to start or stop spawners. */
  spawners: Record<string, string[]>;
  /** Visibility list calls made. */
  lists: () => number;
  signals: { workflowId: string; delivery: WebhookDelivery }[];
  /** Holds every list call started from now on until the returned function is called. */
  hold: () => () => void;
  /** The next list call fails. */
  failNextList: () => void;
}

export function fakeTemporal(spawners: Record<string, string[]> = {}): FakeTemporal {
  let gate: Promise<void> | undefined;
  let failNext = false;
  let lists = 0;
  const signals: FakeTemporal['signals'] = [];
  const client = {
    withDeadline: <T>(_deadline: Date, fn: () => Promise<T>) => fn(),
    workflowService: { getSystemInfo: async () => ({}) },
    workflow: {
      list: () => {
        lists += 1;
        const keysById = new Map<string, string[]>();
        for (const [key, ids] of Object.entries(spawners)) for (const id of ids) keysById.set(id, [...(keysById.get(id) ?? []), key]);
        const waitFor = gate;
        const fail = failNext;
        failNext = false;
        return (async function* () {
          await waitFor;
          if (fail) throw new Error('visibility unavailable');
          for (const [workflowId, keys] of keysById) yield { workflowId, typedSearchAttributes: new TypedSearchAttributes([{ key: KelosWebhookKeys, value: keys }]) };
        })();
      },
      getHandle: (workflowId: string) => ({
        signal: async (_signal: unknown, delivery: WebhookDelivery) => void signals.push({ workflowId, delivery }),
      }),
    },
  };
  return {
    client: client as unknown as Client,
    spawners,
    lists: () => lists,
    signals,
    hold: () => {
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      return () => {
        gate = undefined;
        open();
      };
    },
    failNextList: () => void (failNext = true),
  };
}
