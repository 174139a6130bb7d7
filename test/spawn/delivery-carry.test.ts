import { CARRIED_DELIVERIES_BUDGET_BYTES, DeliveryCarry } from '../../src/spawner/delivery-carry';
import { MAX_MANIFEST_BYTES } from '../../src/spawner/spawner-manifest';
import { STATE_BUDGET_BYTES } from '../../src/spawner/task-book';
import { genericDelivery } from '../harness/webhook-deliveries';

const sized = (id: string, bytes: number) => genericDelivery('test', { id, pad: 'x'.repeat(bytes) });

it('takes deliveries for the next run in their order until the budget, then refuses (the run handles that one itself)', () => {
  const carry = new DeliveryCarry(10_000);
  expect(carry.take(sized('a', 4_000))).toBe(true);
  expect(carry.take(sized('b', 4_000))).toBe(true);
  expect(carry.take(sized('c', 4_000))).toBe(false);
  expect(carry.take(sized('d', 100))).toBe(true); // a small one still fits
  expect(carry.deliveries.map((d) => (d.generic!.body as { id: string }).id)).toEqual(['a', 'b', 'd']);
});

it('counts UTF-8 bytes of the delivery as carried (JSON), not characters', () => {
  const carry = new DeliveryCarry(6_000);
  expect(carry.take(genericDelivery('test', { id: 'e', text: 'é'.repeat(2_000) }))).toBe(true); // ~4 KB
  expect(carry.take(genericDelivery('test', { id: 'f', text: 'é'.repeat(2_000) }))).toBe(false);
});

it('leaves room beside the state and the manifest under Temporal\'s 2 MiB input limit', () => {
  expect(CARRIED_DELIVERIES_BUDGET_BYTES + STATE_BUDGET_BYTES + MAX_MANIFEST_BYTES).toBeLessThan(2 * 1024 * 1024);
});
