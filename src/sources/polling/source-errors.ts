/**
 * How polling activities fail, so the spawner can tell a user what is wrong without a retry storm:
 * - rate limits become retryable failures whose `nextRetryDelay` is the time until the limit resets, so Temporal
 *   waits durably (no sleeping inside the activity);
 * - bad credentials, missing access and unknown repositories/projects fail at once (non-retryable): retrying
 *   cannot fix them; the spawner shows the message in its status and tries again at the next poll;
 * - anything else (5xx, network) is an ordinary error and follows the activity's retry policy.
 */
import { ApplicationFailure } from '@temporalio/common';

export const SOURCE_ERROR_TYPES = {
  rateLimited: 'SourceRateLimited',
  unauthorized: 'SourceUnauthorized',
  notFound: 'SourceNotFound',
  badResponse: 'SourceBadResponse',
} as const;

/** Never retry sooner than this, whatever the headers say (clock skew, reset already passed). */
const MIN_RATE_LIMIT_DELAY_MS = 1_000;

export function rateLimited(message: string, retryAfterMs: number): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type: SOURCE_ERROR_TYPES.rateLimited,
    nextRetryDelay: Math.max(MIN_RATE_LIMIT_DELAY_MS, Math.ceil(retryAfterMs)),
  });
}

export function unauthorized(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: SOURCE_ERROR_TYPES.unauthorized, nonRetryable: true });
}

export function notFound(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: SOURCE_ERROR_TYPES.notFound, nonRetryable: true });
}

/** A response we cannot use (wrong shape, a page cap we refuse to cut). Not retried: it would come back the same. */
export function badResponse(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: SOURCE_ERROR_TYPES.badResponse, nonRetryable: true });
}

/** Milliseconds until a rate limit lifts, from `Retry-After` (seconds or HTTP date) or a reset epoch in seconds. */
export function retryDelayMs(headers: { retryAfter?: string | null; resetEpochSeconds?: string | null }, nowMs: number): number | undefined {
  const retryAfter = headers.retryAfter?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - nowMs);
  }
  const reset = headers.resetEpochSeconds?.trim();
  if (reset && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - nowMs);
  return undefined;
}
