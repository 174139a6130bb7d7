/**
 * The one data converter of every kelos process that talks to Temporal (worker, CLI, bridge, controller): the
 * encryption codec always, so an encrypted history gets a clear error instead of "unknown encoding"; failure
 * attributes encoded only when a key is set, since plain histories should keep readable failures in every tool.
 */
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import { keyRingFromEnv, type EncryptionKeyRing } from './encryption-keys';

export function kelosDataConverter(keys: EncryptionKeyRing = keyRingFromEnv()): DataConverter {
  return {
    payloadCodecs: [new EncryptionCodec(keys)],
    ...(keys.current ? { failureConverterPath: encodedFailureConverterPath() } : {}),
  };
}

export function encodedFailureConverterPath(): string {
  return require.resolve('./encoded-failure-converter');
}
