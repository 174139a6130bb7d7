import { upsertSearchAttributes } from '@temporalio/workflow';
import { KelosPhase } from '../../../src/store/search-attributes';

/** Smallest workflow that touches a custom search attribute: proves bundling and SA registration. */
export async function echoWorkflow(text: string): Promise<string> {
  upsertSearchAttributes([{ key: KelosPhase, value: 'Succeeded' }]);
  return text.toUpperCase();
}
