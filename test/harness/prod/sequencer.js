/**
 * The production bed's test order: kelos-setup.test.ts first, as it checks what `kelos setup` says on the fresh
 * server (the other kelos-level files run the idempotent setup themselves); the rest in jest's usual order.
 */
const Sequencer = require('@jest/test-sequencer').default;

const FIRST = 'kelos-setup.test.ts';

class ProdSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    return [...sorted.filter((t) => t.path.endsWith(FIRST)), ...sorted.filter((t) => !t.path.endsWith(FIRST))];
  }
}

module.exports = ProdSequencer;
