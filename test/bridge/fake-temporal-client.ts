/**
 * A stand-in for the Temporal client as the bridge uses it: visibility lists answered from a table of routing keys,
 * every list call and every signal recorded. For tests of what the bridge does before and around Temporal (the
 * order of its checks, its limits, the deliveries it builds); bridge.test.ts covers the real thing.
 */
import type { Client } from '@temporalio/client';
import type { WebhookDelivery } from '../../api/sources/webhooks';

export interface FakeTemporal {
  client: Client;
  /** Routing keys looked up, one per list call. */
  listed: string[];
  signals: { workflowId: string; delivery: WebhookDelivery }[];
  /** Holds every list call started from now on until the returned function is called. */
  hold: () => () => void;
}

/** `spawners`: routing key → workflow IDs of the spawners listening to it. */
export function fakeTemporal(spawners: Record<string, string[]> = {}): FakeTemporal {
  let gate: Promise<void> | undefined;
  const fake: Omit<FakeTemporal, 'client'> = {
    listed: [],
    signals: [],
    hold: () => {
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      return () => {
        gate = undefined;
        open();
      };
    },
  };
  const client = {
    withDeadline: <T>(_deadline: Date, fn: () => Promise<T>) => fn(),
    workflowService: { getSystemInfo: async () => ({}) },
    workflow: {
      list: ({ query }: { query: string }) => {
        const key = routingKeyOf(query);
        fake.listed.push(key);
        const ids = Object.hasOwn(spawners, key) ? spawners[key] : [];
        const waitFor = gate;
        return (async function* () {
          await waitFor;
          for (const workflowId of ids) yield { workflowId };
        })();
      },
      getHandle: (workflowId: string) => ({
        signal: async (_signal: unknown, delivery: WebhookDelivery) => void fake.signals.push({ workflowId, delivery }),
      }),
    },
  };
  return { ...fake, client: client as unknown as Client };
}

/** The key of `KelosWebhookKeys = "<key>"` in a visibility query (written with JSON.stringify). */
export function routingKeyOf(query: string): string {
  const match = /KelosWebhookKeys = ("(?:[^"\\]|\\.)*")/.exec(query);
  if (!match) throw new Error(`no KelosWebhookKeys condition in ${query}`);
  return JSON.parse(match[1]) as string;
}
