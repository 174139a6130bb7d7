/**
 * Delivery bodies as JSON, parsed only after the signature held and (where the route is known without the body)
 * after a spawner was found to listen: parsing is the expensive step (a 10 MiB body of `[{},...]` blocks the event
 * loop for seconds), so nobody gets it for free.
 */

/** The body as a JSON object or array; undefined when it is not JSON or a bare scalar. */
export function parseJsonBody(raw: Buffer): unknown {
  try {
    const value = JSON.parse(raw.toString('utf8')) as unknown;
    return value !== null && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** GitHub sends JSON, or a form whose `payload` field holds the JSON (the hook's "content type" setting). */
export function parseGitHubBody(raw: Buffer, contentType: string | undefined): unknown {
  if (contentType?.startsWith('application/x-www-form-urlencoded')) {
    const payload = new URLSearchParams(raw.toString('utf8')).get('payload');
    return payload === null ? undefined : parseJsonBody(Buffer.from(payload, 'utf8'));
  }
  return parseJsonBody(raw);
}
