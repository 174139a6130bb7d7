/**
 * With encryption on, failure messages and stack traces are moved into an encoded payload, so the codec encrypts
 * them too (an agent's error can quote the prompt or the repository). Loaded by path: the worker bundles it into
 * the workflow sandbox, and clients load it to read failures back.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
