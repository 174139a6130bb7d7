/**
 * Deliveries that arrive while a spawner's run winds down (to continue as new, or because the spawner was deleted).
 * Handling one waits on activities and child starts, and a run may end only once no handler is running: with
 * deliveries arriving faster than workflow tasks complete, it never would, and its history would grow without end
 * (seen at 10 deliveries/s: 9,000 events, 5 MB, a 113 s workflow task). So a winding-down run hands them whole to the
 * next run's input instead, within a byte budget beside the state's (1 MiB) and the manifest's (256 KiB) under
 * Temporal's 2 MiB; a delivery beyond it is handled in this run as before.
 */
import type { WebhookDelivery } from '../sources/webhooks';
import { utf8Length } from '../go';

/** Runs that began before deliveries were carried handle them while winding down, as they did. */
export const CARRY_DELIVERIES_PATCH = 'spawner-carries-deliveries-across-continue-as-new';
export const CARRIED_DELIVERIES_BUDGET_BYTES = 512 * 1024;

export class DeliveryCarry {
  readonly deliveries: WebhookDelivery[] = [];
  private bytes = 0;

  constructor(private readonly budgetBytes = CARRIED_DELIVERIES_BUDGET_BYTES) {}

  /** Takes the delivery for the next run; false when it does not fit the budget (then it is handled now). */
  take(delivery: WebhookDelivery): boolean {
    const size = utf8Length(JSON.stringify(delivery));
    if (this.bytes + size > this.budgetBytes) return false;
    this.deliveries.push(delivery);
    this.bytes += size;
    return true;
  }
}
