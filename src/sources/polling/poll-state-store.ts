/**
 * Durable per-spawner polling state on the worker's disk (`$KELOS_HOME/poll-state/`): the poll ledger and the
 * source's own cache (a GitHub snapshot and ETags, ...). It survives worker restarts and the spawner's
 * continue-as-new; losing it costs one full listing, never an item. Keyed by the spawner and a hash of the
 * source configuration, so an edited spawner starts fresh. Never holds tokens.
 */
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { newPollLedger, type PollLedger } from './poll-ledger';

export interface PollState<S> {
  version: 1;
  configHash: string;
  ledger: PollLedger;
  source?: S;
}

export class PollStateStore {
  constructor(private readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
  }

  /** The stored state, or a fresh one when absent, unreadable or made for another configuration. */
  load<S>(key: string, configHash: string): PollState<S> {
    try {
      const stored = JSON.parse(fs.readFileSync(this.file(key), 'utf8')) as PollState<S>;
      if (stored.version === 1 && stored.configHash === configHash && stored.ledger) return stored;
    } catch {
      // absent or corrupt: start over (a full listing)
    }
    return { version: 1, configHash, ledger: newPollLedger(randomUUID()) };
  }

  save<S>(key: string, state: PollState<S>): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const target = this.file(key);
    const temp = `${target}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(state), { mode: 0o600 });
    fs.renameSync(temp, target);
  }
}

/** A stable hash of a JSON-able configuration (key order does not matter). */
export function configHash(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 16);
}

export function fingerprint(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('base64url').slice(0, 22);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
