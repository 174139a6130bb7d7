/**
 * Signature checks on the raw body, before anything else looks at a delivery (before it is parsed, too: a forged
 * body costs one HMAC, never a JSON parse):
 * - GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256>` through @octokit/webhooks-methods (constant time);
 * - Linear: `Linear-Signature: <hex HMAC-SHA256>` and the signed body's `webhookTimestamp` within a window, so
 *   a captured delivery cannot be replayed later (Kelos checks only the signature);
 * - generic sources with a configured secret: `X-Kelos-Signature-256` (or `X-Hub-Signature-256`), GitHub's format.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { verify as verifyGitHubSignature } from '@octokit/webhooks-methods';

export type Verdict = { ok: true } | { ok: false; reason: string };

export async function verifyGitHub(secret: string, rawBody: string, signature: string | undefined): Promise<Verdict> {
  if (!signature) return { ok: false, reason: 'missing X-Hub-Signature-256' };
  if (!signature.startsWith('sha256=')) return { ok: false, reason: 'X-Hub-Signature-256 must start with sha256=' };
  try {
    return (await verifyGitHubSignature(secret, rawBody, signature)) ? { ok: true } : { ok: false, reason: 'signature does not match' };
  } catch {
    return { ok: false, reason: 'malformed signature' };
  }
}

/** The HMAC over the raw bytes, checked before the body is parsed: a forged delivery costs one hash, not a parse. */
export function verifyLinearSignature(secret: string, rawBody: Buffer, signature: string | undefined): Verdict {
  if (!signature) return { ok: false, reason: 'missing Linear-Signature' };
  return hexEqual(createHmac('sha256', secret).update(rawBody).digest('hex'), signature.trim()) ? { ok: true } : { ok: false, reason: 'signature does not match' };
}

/** The signed body's `webhookTimestamp` near now, once the signature held and the body parsed. */
export function checkLinearTimestamp(body: unknown, nowMs: number, toleranceMs: number): Verdict {
  const timestamp = (body as { webhookTimestamp?: unknown } | null)?.webhookTimestamp;
  if (typeof timestamp !== 'number') return { ok: false, reason: 'webhookTimestamp missing from the signed body' };
  if (Math.abs(nowMs - timestamp) > toleranceMs) return { ok: false, reason: `webhookTimestamp is ${Math.round((nowMs - timestamp) / 1000)}s away from now (replay?)` };
  return { ok: true };
}

export function verifyGeneric(secret: string, rawBody: Buffer, signature: string | undefined): Verdict {
  if (!signature) return { ok: false, reason: 'missing X-Kelos-Signature-256' };
  const hex = signature.startsWith('sha256=') ? signature.slice('sha256='.length) : '';
  if (!hex) return { ok: false, reason: 'X-Kelos-Signature-256 must start with sha256=' };
  return hexEqual(createHmac('sha256', secret).update(rawBody).digest('hex'), hex) ? { ok: true } : { ok: false, reason: 'signature does not match' };
}

function hexEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
