/**
 * A request body stream whose every chunk is counted against the bridge's bound on body bytes in flight before
 * fastify buffers it; when the bound is reached the read fails with 503 (and fastify closes the connection), so the
 * bridge never holds more body bytes than the bound, whatever senders declare.
 */
import { Transform } from 'node:stream';

/** The error code of a body cut off by the byte bound (answered 503, outcome "overloaded"). */
export const BODY_BYTES_BUSY = 'KELOS_BRIDGE_BODY_BYTES_BUSY';

export function meteredBody(payload: NodeJS.ReadableStream, take: (bytes: number) => boolean, refusal: () => string): Transform {
  const metered = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (take(chunk.length)) callback(null, chunk);
      else callback(Object.assign(new Error(`the bridge is busy: ${refusal()}`), { statusCode: 503, code: BODY_BYTES_BUSY }));
    },
  });
  payload.on('error', (err) => metered.destroy(err));
  // fastify listens while it reads; this keeps a failure after it stopped (client gone) from being unhandled.
  metered.on('error', () => undefined);
  return payload.pipe(metered);
}
