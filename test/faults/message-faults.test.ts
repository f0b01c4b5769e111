import { ChaosStack, sleep } from '../../scripts/chaos/harness';
import { report } from './report';

describe('messages delivered twice, delayed and reordered, or lost', () => {
  it.each([
    ['every message delivered twice', 'duplicate'],
    ['messages delayed 0-300 ms and so reordered', 'delay=300'],
    ['10% of messages dropped', 'drop=0.1'],
  ])('%s', async (title, faults) => {
    const stack = new ChaosStack(`3. ${title}`, { sqsFaults: faults });
    try {
      await stack.start();
      await stack.seed(20_000);
      await stack.load(32, sleep(8_000));
      const result = await stack.settle();
      report(result);
      expect(result.answers.ok).toBeGreaterThan(0);
      expect(result.problems).toEqual([]);
    } finally {
      await stack.stop();
    }
  });
});
