/**
 * Bounds on the webhook work the bridge holds at once, so that a flood is refused (503 with `Retry-After`) instead
 * of queued: beyond them a request costs a refusal, not memory and event-loop time for work that would only time out.
 *
 * - requests in flight (default 256, `KELOS_BRIDGE_MAX_IN_FLIGHT`), checked when a request arrives, before its
 *   body is read: each holds a socket, a buffer and Temporal calls;
 * - body bytes in flight (default 64 MiB, `KELOS_BRIDGE_MAX_BYTES_IN_FLIGHT`), counted as the bytes arrive: every
 *   body is buffered whole before its signature can be checked, and 256 GitHub-sized bodies (25 MiB each) would be
 *   6.4 GB. Counting received bytes, not declared `Content-Length`s, means a sender must really send the bytes it
 *   holds: declaring a large body and trickling it holds only what arrived. The bound must be at least the largest
 *   body limit, or the largest deliveries could never be taken.
 */
import { positiveIntegerVar, requirePositiveInteger } from './env-numbers';

export const DEFAULT_MAX_IN_FLIGHT = 256;
export const DEFAULT_MAX_BYTES_IN_FLIGHT = 64 * 1024 * 1024;
export const MAX_IN_FLIGHT_VAR = 'KELOS_BRIDGE_MAX_IN_FLIGHT';
export const MAX_BYTES_IN_FLIGHT_VAR = 'KELOS_BRIDGE_MAX_BYTES_IN_FLIGHT';

export interface AdmissionOptions {
  maxInFlight?: number;
  maxBytesInFlight?: number;
}

/** One admitted request: the body bytes it holds, all given back by `release` (idempotent). */
export interface Ticket {
  /** Holds `bytes` more; false (holding nothing more) when that would cross the byte bound. */
  take(bytes: number): boolean;
  release(): void;
}

export type Admitted = { ok: true; ticket: Ticket } | { ok: false; reason: string };

export class Admission {
  readonly maxInFlight: number;
  readonly maxBytesInFlight: number;
  private requests = 0;
  private bytes = 0;

  constructor(options: AdmissionOptions, largestBodyLimit: number) {
    this.maxInFlight = requirePositiveInteger(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT, 'the bound on requests in flight');
    this.maxBytesInFlight = requirePositiveInteger(options.maxBytesInFlight ?? Math.max(DEFAULT_MAX_BYTES_IN_FLIGHT, largestBodyLimit), 'the bound on body bytes in flight');
    if (this.maxBytesInFlight < largestBodyLimit) {
      throw new Error(`the bound on body bytes in flight (${this.maxBytesInFlight}, ${MAX_BYTES_IN_FLIGHT_VAR}) is below the largest body limit (${largestBodyLimit}): such deliveries could never be taken`);
    }
  }

  get inFlight(): { requests: number; bytes: number } {
    return { requests: this.requests, bytes: this.bytes };
  }

  /** Takes a request, or says that the bound on requests is reached. */
  tryEnter(): Admitted {
    if (this.requests >= this.maxInFlight) return { ok: false, reason: `${this.requests} requests in flight, the most this bridge takes (${MAX_IN_FLIGHT_VAR})` };
    this.requests += 1;
    let held = 0;
    let released = false;
    return {
      ok: true,
      ticket: {
        take: (bytes) => {
          if (released) return true; // answered already: whatever still arrives is not kept
          if (this.bytes + bytes > this.maxBytesInFlight) return false;
          held += bytes;
          this.bytes += bytes;
          return true;
        },
        release: () => {
          if (released) return;
          released = true;
          this.requests -= 1;
          this.bytes -= held;
        },
      },
    };
  }

  /** Why a body was cut off: the byte bound, named. */
  bytesRefusal(): string {
    return `${this.bytes} body bytes in flight; more would pass ${this.maxBytesInFlight} (${MAX_BYTES_IN_FLIGHT_VAR})`;
  }
}

export function admissionFromEnv(env: Record<string, string | undefined> = process.env): AdmissionOptions {
  return { maxInFlight: positiveIntegerVar(env, MAX_IN_FLIGHT_VAR), maxBytesInFlight: positiveIntegerVar(env, MAX_BYTES_IN_FLIGHT_VAR) };
}
