/**
 * Default Task name for a webhook delivery (kelos-behaviour §3.6): `<spawner>-<event>-<12 hex>`, where the hex is
 * the start of sha256(deliveryID). The hash is computed by the caller (the bridge, Node side): no crypto here.
 * A redelivery (same delivery ID) gets the same name; every new delivery a new one.
 */

const MAX_NAME = 63;

/** `_` becomes `-` in the event part; the result is cut to 63 characters and trailing `-`/`.` trimmed. */
export function webhookTaskName(spawner: string, eventPart: string, deliveryHashHex: string): string {
  const name = `${spawner}-${eventPart.replace(/_/g, '-')}-${deliveryHashHex.slice(0, 12)}`;
  return name.length > MAX_NAME ? name.slice(0, MAX_NAME).replace(/[-.]+$/, '') : name;
}

/** The event part per source: GitHub's event header, Linear's lower-cased `type` (or `linear`), the generic source name. */
export const webhookEventPart = {
  github: (event: string): string => event,
  linear: (type: string): string => (type ? type.toLowerCase() : 'linear'),
  generic: (source: string): string => source,
} as const;
