/**
 * A bound on the webhook requests the bridge works on at once, checked when a request arrives (before its body is
 * read): beyond it the bridge answers 503 with `Retry-After` instead of queueing, so a flood costs a refusal each,
 * not memory and event-loop time for requests that would only time out.
 *
 * Two bounds, because each request may buffer up to its source's body limit before the signature can be checked:
 * - requests in flight (default 256, `KELOS_BRIDGE_MAX_IN_FLIGHT`): each holds a socket, a Temporal call, a buffer;
 * - body bytes in flight (default 64 MiB, `KELOS_BRIDGE_MAX_BYTES_IN_FLIGHT`): a request reserves its declared
 *   `Content-Length` (the route's body limit when the body is chunked), so 256 × 25 MiB GitHub bodies cannot be
 *   buffered at once. It must be at least the largest body limit, or the largest deliveries could never enter.
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

export type Admitted = { ok: true; release: () => void } | { ok: false; reason: string };

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

  /** Takes a request that may buffer `bytes`, or says which bound it would cross. `release` is idempotent. */
  tryEnter(bytes: number): Admitted {
    if (this.requests >= this.maxInFlight) return { ok: false, reason: `${this.requests} requests in flight, the most this bridge takes (${MAX_IN_FLIGHT_VAR})` };
    if (this.bytes + bytes > this.maxBytesInFlight) return { ok: false, reason: `${this.bytes} body bytes in flight; ${bytes} more would pass ${this.maxBytesInFlight} (${MAX_BYTES_IN_FLIGHT_VAR})` };
    this.requests += 1;
    this.bytes += bytes;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.requests -= 1;
        this.bytes -= bytes;
      },
    };
  }
}

export function admissionFromEnv(env: Record<string, string | undefined> = process.env): AdmissionOptions {
  return { maxInFlight: positiveIntegerVar(env, MAX_IN_FLIGHT_VAR), maxBytesInFlight: positiveIntegerVar(env, MAX_BYTES_IN_FLIGHT_VAR) };
}
